import { randomBytes } from 'node:crypto';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerSecretVersions } from '../../shared/adapters/secrets-manager-secret-versions';
import { rotateInventoryHmacSecret } from '../../shared/domain/inventory/rotate-hmac-secret';
import { secretRotationHandler } from '../../shared/handlers/secret-rotation-handler';

const deps = {
  secrets: new SecretsManagerSecretVersions(new SecretsManagerClient({})),
  now: () => new Date(),
  newSecret: () => randomBytes(32).toString('hex'),
};

/**
 * Secrets Manager rotation function of the inventory providers' HMAC secrets, invoked once per step (createSecret,
 * setSecret, testSecret, finishSecret) with the new version's ClientRequestToken.
 */
export const handler = secretRotationHandler((request) => rotateInventoryHmacSecret(deps, request));
