import { randomBytes } from 'node:crypto';
import { SECRET_KIND_TAG, type SecretKind } from '../../lib/config/tags';
import { serializeInventoryHmacSecret } from '../../shared/domain/inventory/hmac-secrets';
import type { LocalSecretValue } from '../aws/secrets-manager/secrets-manager';

/**
 * Local values for the secrets the template declares, chosen by the secret's `stockade:secret-kind` tag so that the
 * local stand-ins (Stripe, inventory providers) and the functions agree. Random per run; never real credentials.
 */
export const localSecretValue: LocalSecretValue = ({ tags }) => {
  switch (tags[SECRET_KIND_TAG] as SecretKind | undefined) {
    case 'stripe-api-key':
      return `sk_test_local_${randomBytes(18).toString('hex')}`;
    case 'stripe-webhook-secrets':
      return JSON.stringify([`whsec_local_${randomBytes(18).toString('hex')}`]);
    case 'fulfilment-api-key':
      return `ful_local_${randomBytes(18).toString('hex')}`;
    case 'inventory-provider-hmac':
      // Never rotated yet: no previous secret.
      return serializeInventoryHmacSecret({ current: randomBytes(32).toString('hex') });
    default:
      return undefined;
  }
};
