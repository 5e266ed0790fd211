import { Duration, Stack, type StackProps, Tags, Validations } from 'aws-cdk-lib';
import { AccountRootPrincipal, Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Secret, type SecretStringGenerator } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stage-config';
import { PROVIDER_ID_TAG, SECRET_KIND_TAG, type SecretKind } from '../config/tags';
import { MitigationSwitches } from '../constructs/mitigation-switches';
import { removalPolicyOf } from '../constructs/stage-props';
import { pascalCase } from '../constructs/construct-ids';

/**
 * Why a secret has no Secrets Manager rotation schedule in this stack (AwsSolutions-SMG4), per kind of secret.
 */
const NO_ROTATION_SCHEDULE: Record<SecretKind, string> = {
  'inventory-provider-hmac':
    'Rotated every secrets.inventoryRotationDays days by the inventory secret rotation function; its rotation schedules live in the Inventory stack with the function, which audits each rotation to the audit table (deployed after this stack). cdk-nag checks one stack at a time and does not see them; test/infra/secrets.test.ts checks that every inventory secret has one.',
  'stripe-api-key':
    'Stripe API keys are created, rolled and revoked in the Stripe dashboard, not through an API a rotation Lambda could call; an operator puts the new key with put-secret-value and functions pick it up through the cached secret store without a redeploy.',
  'stripe-webhook-secrets':
    'Stripe webhook signing secrets are rolled in the Stripe dashboard (which keeps the old one valid for a window); an operator puts both into this JSON array with put-secret-value, so verification accepts either during the roll.',
  'fulfilment-api-key':
    "The fulfilment provider issues and revokes its API keys in its own console; an operator puts the new key with put-secret-value and the consumer re-reads it within 5 minutes, so the provider's overlap window is the rotation window.",
  'cursor-signing-key':
    'The key only signs listing cursors (tamper evidence, not confidentiality); putting a new random value with put-secret-value at any time is safe (functions re-read it within 5 minutes) and only ends cursors that clients hold at that moment.',
};

/**
 * The value an inventory provider secret is created with: `{"current": "<64 hex>"}`, in the format the rotation
 * function and the webhook verifier parse (lower-case letters a-f and digits only, so 256 random bits of hex).
 */
const INVENTORY_HMAC_PLACEHOLDER: SecretStringGenerator = {
  secretStringTemplate: JSON.stringify({}),
  generateStringKey: 'current',
  passwordLength: 64,
  excludePunctuation: true,
  excludeUppercase: true,
  excludeCharacters: 'ghijklmnopqrstuvwxyz',
  includeSpace: false,
  requireEachIncludedType: false,
};

export interface SecretsStackProps extends StackProps {
  readonly config: StageConfig;
}

/**
 * Stateful: the stage's customer-managed KMS key, every secret, and the mitigation switches' parameters. Secret values
 * are never in the template: they are generated placeholders an operator replaces with
 * `aws secretsmanager put-secret-value` (README).
 */
export class SecretsStack extends Stack {
  readonly key: Key;
  readonly stripeApiKey: Secret;
  /** JSON array of accepted Stripe webhook signing secrets (several during a rotation window). */
  readonly stripeWebhookSecrets: Secret;
  /**
   * One HMAC secret per inventory provider, JSON `{ current, previous?, rotatedAt? }` (shared/domain/inventory/hmac-secrets.ts),
   * rotated every `secrets.inventoryRotationDays` days by the Inventory stack's rotation function.
   */
  readonly inventoryProviderSecrets: ReadonlyMap<string, Secret>;
  /** HMAC key that signs listing cursors so clients cannot forge them. */
  readonly cursorSigningKey: Secret;
  /** Bearer key for the fulfilment provider's API. */
  readonly fulfilmentApiKey: Secret;
  /** The mitigation switches, one SSM parameter each, created off (docs/operations.md, "Mitigation switches"). */
  readonly switches: MitigationSwitches;

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

    const secret = (
      logicalId: string,
      kind: SecretKind,
      name: string,
      description: string,
      generate: SecretStringGenerator = { passwordLength: 48, excludePunctuation: true },
    ) => {
      const s = new Secret(this, logicalId, {
        secretName: `stockade/${config.stage}/${name}`,
        description,
        encryptionKey: this.key,
        removalPolicy,
        generateSecretString: generate,
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
    this.cursorSigningKey = secret(
      'CursorSigningKey',
      'cursor-signing-key',
      'api/cursor-signing-key',
      'HMAC key that signs API listing cursors. Generated; replace any time to end open cursors.',
    );
    this.fulfilmentApiKey = secret(
      'FulfilmentApiKey',
      'fulfilment-api-key',
      'fulfilment/api-key',
      'API key Stockade presents to the fulfilment provider (Authorization: Bearer). Set by an operator.',
    );
    const providers = new Map<string, Secret>();
    for (const providerId of config.inventoryProviders) {
      const providerSecret = secret(
        `InventoryProvider${pascalCase(providerId)}Secret`,
        'inventory-provider-hmac',
        `inventory/${providerId}/hmac`,
        `HMAC-SHA256 secret shared with inventory provider ${providerId}: JSON {"current": <64 hex>, "previous"?, "rotatedAt"?}. Rotated by Secrets Manager.`,
        INVENTORY_HMAC_PLACEHOLDER,
      );
      Tags.of(providerSecret).add(PROVIDER_ID_TAG, providerId);
      providers.set(providerId, providerSecret);
    }
    this.inventoryProviderSecrets = providers;
    this.switches = new MitigationSwitches(this, 'MitigationSwitches', { config });
  }
}
