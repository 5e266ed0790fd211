import { Duration, Stack, type StackProps, Tags, Validations } from 'aws-cdk-lib';
import { AccountRootPrincipal, Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stage-config';
import { PROVIDER_ID_TAG, SECRET_KIND_TAG, type SecretKind } from '../config/tags';
import { removalPolicyOf } from '../constructs/stage-props';


/** Why no secret has a Secrets Manager rotation schedule (AwsSolutions-SMG4), per kind of secret. */
const NO_ROTATION_SCHEDULE: Record<SecretKind, string> = {
  'stripe-api-key':
    'Stripe API keys are created, rolled and revoked in the Stripe dashboard, not through an API a rotation Lambda could call; an operator puts the new key with put-secret-value and functions pick it up through the cached secret store without a redeploy.',
  'stripe-webhook-secrets':
    'Stripe webhook signing secrets are rolled in the Stripe dashboard (which keeps the old one valid for a window); an operator puts both into this JSON array with put-secret-value, so verification accepts either during the roll.',
  'inventory-provider-hmac':
    'Rotating an inventory provider HMAC secret needs the provider to accept a new secret on their side; automated rotation of these secrets lands with the payments-hardening issue. Until then an operator rotates by hand with put-secret-value.',
  'fulfilment-api-key':
    "The fulfilment provider issues and revokes its API keys in its own console; an operator puts the new key with put-secret-value and the consumer re-reads it within 5 minutes, so the provider's overlap window is the rotation window.",
  'cursor-signing-key':
    'The key only signs listing cursors (tamper evidence, not confidentiality); putting a new random value with put-secret-value at any time is safe (functions re-read it within 5 minutes) and only ends cursors that clients hold at that moment.',
};

export interface SecretsStackProps extends StackProps {
  readonly config: StageConfig;
}

/**
 * Stateful: the stage's customer-managed KMS key and every secret. Secret values are never in the template:
 * they are generated placeholders an operator replaces with `aws secretsmanager put-secret-value` (README).
 */
export class SecretsStack extends Stack {
  readonly key: Key;
  readonly stripeApiKey: Secret;
  /** JSON array of accepted Stripe webhook signing secrets (several during a rotation window). */
  readonly stripeWebhookSecrets: Secret;
  readonly inventoryProviderSecrets: ReadonlyMap<string, Secret>;
  /** HMAC key that signs listing cursors so clients cannot forge them. */
  readonly cursorSigningKey: Secret;
  /** Bearer key for the fulfilment provider's API. */
  readonly fulfilmentApiKey: Secret;

  constructor(scope: Construct, id: string, props: SecretsStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = removalPolicyOf(config);

    this.key = new Key(this, 'StageKey', {
      alias: `alias/stockade-${config.stage}`,
      description: `Stockade ${config.stage}: tables, queues, topics, secrets and logs`,
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      removalPolicy,
      pendingWindow: Duration.days(config.removalPolicy === 'retain' ? 30 : 7),
    });
    // CloudWatch Logs encrypts log groups of this account and region with the key.
    this.key.addToResourcePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${this.partition}:logs:${this.region}:${this.account}:*` } },
      }),
    );
    // CloudWatch alarms publish to the KMS-encrypted alarm topic.
    this.key.addToResourcePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    this.key.grant(new AccountRootPrincipal(), 'kms:DescribeKey');

    const secret = (logicalId: string, kind: SecretKind, name: string, description: string) => {
      const s = new Secret(this, logicalId, {
        secretName: `stockade/${config.stage}/${name}`,
        description,
        encryptionKey: this.key,
        removalPolicy,
        generateSecretString: { passwordLength: 48, excludePunctuation: true },
      });
      Tags.of(s).add(SECRET_KIND_TAG, kind);
      Validations.of(s).acknowledge({ id: 'AwsSolutions::AwsSolutions-SMG4', reason: NO_ROTATION_SCHEDULE[kind] });
      return s;
    };

    this.stripeApiKey = secret('StripeApiKey', 'stripe-api-key', 'stripe/api-key', 'Stripe secret or restricted API key (sk_… or rk_…). Set by an operator.');
    this.stripeWebhookSecrets = secret(
      'StripeWebhookSecrets',
      'stripe-webhook-secrets',
      'stripe/webhook-secrets',
      'JSON array of Stripe webhook signing secrets (whsec_…), newest first; two during a rotation. Set by an operator.',
    );
    this.cursorSigningKey = secret('CursorSigningKey', 'cursor-signing-key', 'api/cursor-signing-key', 'HMAC key that signs API listing cursors. Generated; replace any time to end open cursors.');
    this.fulfilmentApiKey = secret('FulfilmentApiKey', 'fulfilment-api-key', 'fulfilment/api-key', 'API key Stockade presents to the fulfilment provider (Authorization: Bearer). Set by an operator.');
    const providers = new Map<string, Secret>();
    for (const providerId of config.inventoryProviders) {
      const providerSecret = secret(`InventoryProvider${pascal(providerId)}Secret`, 'inventory-provider-hmac', `inventory/${providerId}/hmac`, `HMAC-SHA256 secret shared with inventory provider ${providerId}.`);
      Tags.of(providerSecret).add(PROVIDER_ID_TAG, providerId);
      providers.set(providerId, providerSecret);
    }
    this.inventoryProviderSecrets = providers;
  }
}

function pascal(id: string): string {
  return id.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
}
