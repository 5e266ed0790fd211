import { Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { CfnRotationSchedule, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { InventoryProviders } from '../../shared/domain/inventory/provider-config';
import type { StageConfig } from '../config/stage-config';
import { type AuditTrailTable, bindAuditAppender } from '../constructs/audit-trail';
import { FunctionRelease } from '../constructs/function-release';
import { bindSwitchReader, type MitigationSwitches } from '../constructs/mitigation-switches';
import { runOnSchedule } from '../constructs/schedule';
import type { StageContext } from '../constructs/stage-props';
import { StockadeFunction } from '../constructs/stockade-function';
import type { StockadeQueue } from '../constructs/stockade-queue';
import type { OrdersTable } from '../constructs/orders-table';
import type { StockadeTable } from '../constructs/stockade-table';
import { ENV } from '../../shared/config/env-names';
import { pascalCase } from '../constructs/construct-ids';

/** How often every provider's whole stock is synced. */
const FULL_SYNC_EVERY = Duration.minutes(60);

export interface InventoryStackProps extends StackProps {
  readonly config: StageConfig;
  readonly key: IKey;
  /** config/inventory-providers/<stage>.json, validated. */
  readonly providers: InventoryProviders;
  readonly tables: { readonly catalog: StockadeTable; readonly orders: OrdersTable; readonly audit: AuditTrailTable };
  /** Normalized provider updates, FIFO by SKU (the webhook and the full sync produce, the consumer applies). */
  readonly inventoryUpdatesQueue: StockadeQueue;
  /** Each provider's HMAC secret, by provider id. */
  readonly providerSecrets: ReadonlyMap<string, ISecret>;
  /** The mitigation switches (the relay obeys outbox-relay-stopped). */
  readonly switches: MitigationSwitches;
}

/**
 * Stateless: inventory providers beyond the webhook route (which lives in the API stack). The consumer that applies
 * normalized updates under the conflict rules; the outbox relay that tells providers about sales and cancellations
 * through a circuit breaker; the scheduled full sync of each provider's snapshot.
 */
export class InventoryStack extends Stack {
  readonly functions: StockadeFunction[] = [];
  private readonly stageContext: StageContext;

  constructor(scope: Construct, id: string, props: InventoryStackProps) {
    super(scope, id, props);
    this.stageContext = { config: props.config, key: props.key };
    this.addUpdateConsumer(props);
    this.addOutboundRelay(props);
    this.addFullSync(props);
    if (props.providerSecrets.size > 0) this.addSecretRotation(props);
  }

  /**
   * One rotation function for every provider's HMAC secret, and a rotation schedule on each, every
   * `secrets.inventoryRotationDays` days. They live here rather than beside the secrets (Secrets stack) because each
   * rotation is audited, and the audit table deploys after the secrets. The schedules are CfnRotationSchedule rather
   * than `secret.addRotationSchedule`: for a custom function the L2 also grants `secretsmanager:GetRandomPassword` on
   * "*" and `kms:ReEncrypt*` / `kms:GenerateDataKey*` on the stage key, none of which this function uses (it draws its
   * random bytes from node:crypto). Its grants are exactly the four calls of the rotation protocol on these secrets,
   * the key use those calls make through Secrets Manager, and the audit append.
   */
  private addSecretRotation(props: InventoryStackProps): void {
    const fn = new StockadeFunction(this, 'RotateInventorySecret', {
      stageContext: this.stageContext,
      entry: 'secrets/rotate-inventory-secret',
      service: 'secrets',
      timeout: Duration.seconds(30),
    });
    // Released like every function here: Secrets Manager invokes the live alias, so a new version's rotations are
    // covered by its canary and rollback too.
    this.release(fn);
    const target = fn.live ?? fn;
    const secretArns = [...props.providerSecrets.values()].map((s) => s.secretArn);
    const rotationCalls = [
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
    ];
    fn.addToRolePolicy(new PolicyStatement({ actions: rotationCalls, resources: secretArns }));
    fn.keepGrant({
      actions: rotationCalls,
      resources: secretArns,
      reason:
        "Secrets Manager rotates every provider's secret with this function on its schedule; the suite rotates one provider's secret through the same code",
    });
    // GetSecretValue decrypts and PutSecretValue generates a data key, both under these secrets' encryption context.
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${this.region}.amazonaws.com`, 'kms:EncryptionContext:SecretARN': secretArns } },
      }),
    );
    // Each step that changes the secret, and each failed step, is an audit entry (never a value).
    bindAuditAppender(fn, props.tables.audit);
    // aws:SourceAccount rather than aws:SourceArn, as AWS advises for a function that rotates several secrets.
    target.addPermission('InvokedBySecretsManager', {
      principal: new ServicePrincipal('secretsmanager.amazonaws.com'),
      action: 'lambda:InvokeFunction',
      sourceAccount: this.account,
    });
    Validations.of(fn).acknowledge({
      id: 'Serverless::Serverless-LambdaDLQ',
      reason:
        'Secrets Manager invokes each rotation step synchronously and waits for it before the next; a failed step fails the rotation, which Secrets Manager retries and records (the AWSPENDING version stays until a rotation succeeds). There is no asynchronous event to dead-letter.',
    });
    for (const [providerId, secret] of props.providerSecrets) {
      const schedule = new CfnRotationSchedule(this, `RotationSchedule${pascalCase(providerId)}`, {
        secretId: secret.secretArn,
        rotationLambdaArn: target.functionArn,
        rotationRules: { automaticallyAfterDays: this.stageContext.config.secrets.inventoryRotationDays },
      });
      // Secrets Manager invokes the function when the schedule is created: its permission and grants come first.
      schedule.node.addDependency(fn, target);
    }
  }

  /** The inventory updates consumer: conflict rules and the inventory ledger. */
  private addUpdateConsumer(props: InventoryStackProps): void {
    const queue = props.inventoryUpdatesQueue;
    const fn = new StockadeFunction(this, 'ApplyInventoryUpdates', {
      stageContext: this.stageContext,
      entry: 'inventory/apply-inventory-updates',
      service: 'inventory',
      timeout: queue.consumerTimeout,
      // Failed records get a short visibility backoff instead of the whole timeout (SqsRetryBackoff): hence
      // consumeQueue's changesVisibility below.
      environment: { INVENTORY_UPDATES_QUEUE_URL: queue.queue.queueUrl },
    });
    this.release(fn);
    fn
      // ConditionCheckItem: a provider's update for a SKU the catalog lacks is recorded only while it still lacks it.
      // byStatus: the provider's pending sale notices, whose units are taken off its report (conflict-rules.ts).
      .bindTable(ENV.CATALOG_TABLE, props.tables.catalog, ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'ConditionCheckItem'], {
        queries: ['byStatus'],
      })
      .keepGrant({
        actions: ['dynamodb:BatchGetItem'],
        resources: [props.tables.catalog.tableArn],
        reason:
          "A flash-sale SKU's update reads its stock shards in one BatchGetItem and spreads onHand over them (docs/data-model.md, Stock shards); the suite's provider updates are for unsharded SKUs, and test/integration/flash-sale.test.ts applies one to a sharded SKU through the adapter",
      })
      .keepGrant({
        actions: ['dynamodb:ConditionCheckItem'],
        resources: [props.tables.catalog.tableArn],
        reason:
          'The inventory ledger checks that a mapped SKU is still absent from the catalog before recording an update for it; the suite sends updates only for SKUs the catalog has or the webhook quarantines first',
      })
      .consumeQueue(queue, { batchSize: 10, changesVisibility: true });
  }

  /**
   * The outbox relay, every minute: sale and cancellation notices to each SKU's provider, with timeouts, retries
   * and a circuit breaker whose open state (PROVIDER#<id> / CIRCUIT) checkout reads. It touches only outbox and
   * provider items of the catalog.
   */
  private addOutboundRelay(props: InventoryStackProps): void {
    const timeout = Duration.seconds(60);
    const fn = new StockadeFunction(this, 'RelayStockNotifications', {
      stageContext: this.stageContext,
      entry: 'inventory/relay-stock-notifications',
      service: 'inventory',
      timeout,
      inventoryProviders: props.providers,
      // A claim on a provider outlives the longest run, so only a run that died leaves one behind to expire.
      environment: { RELAY_LEASE_SECONDS: String(timeout.toSeconds() + 30) },
    })
      // Pending notices are found on the index and read in one BatchGetItem; claims, circuits and sent notices are updates.
      .bindTable(ENV.CATALOG_TABLE, props.tables.catalog, ['BatchGetItem', 'PutItem', 'UpdateItem'], {
        leadingKeys: ['OUTBOX#*', 'PROVIDER#*'],
        deletes: true,
        queries: ['byStatus'],
      })
      .bindSecretMap(ENV.INVENTORY_PROVIDER_SECRET_ARNS, props.providerSecrets);
    if (props.providerSecrets.size > 0)
      fn.keepGrant({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [...props.providerSecrets.values()].map((s) => s.secretArn),
        reason:
          "A provider's notices are signed with its secret, read only when one of its SKUs sold or was cancelled; the suite relays to the providers its outbound tests sell for, not to every provider of the stage",
      });
    bindSwitchReader(fn, props.switches, ['outbox-relay-stopped']);
    this.release(fn);
    runOnSchedule(fn, {
      id: 'RelayStockNotificationsSchedule',
      every: Duration.minutes(1),
      description: 'Delivers pending sale and cancellation notices to inventory providers',
      maxEventAge: Duration.minutes(1),
      why: 'Each run sends whatever is pending in the outbox; a notice is marked sent only once its provider accepted it, and providers de-duplicate by notificationId.',
    });
  }

  /**
   * The full sync, hourly: each provider's paged stock snapshot through the webhook's translation and the same
   * queue and conflict rules, so a missed webhook heals. Reads provider circuits, quarantines untranslatable lines.
   */
  private addFullSync(props: InventoryStackProps): void {
    const fn = new StockadeFunction(this, 'SyncProviderStock', {
      stageContext: this.stageContext,
      entry: 'inventory/sync-provider-stock',
      service: 'inventory',
      timeout: Duration.minutes(5),
      inventoryProviders: props.providers,
    })
      .bindTable(ENV.CATALOG_TABLE, props.tables.catalog, 'read', { leadingKeys: ['PROVIDER#*'], queries: ['table'] })
      .bindTable(ENV.CATALOG_TABLE, props.tables.catalog, 'append', { leadingKeys: ['QUARANTINE#*'] })
      .keepGrant({
        actions: ['dynamodb:PutItem'],
        resources: [props.tables.catalog.tableArn],
        reason:
          "Quarantines a snapshot line it cannot translate (QUARANTINE# items only); the suite's provider snapshots translate, and the webhook's quarantine is tested instead",
      })
      .bindQueueProducer(ENV.INVENTORY_UPDATES_QUEUE_URL, props.inventoryUpdatesQueue.queue)
      .bindSecretMap(ENV.INVENTORY_PROVIDER_SECRET_ARNS, props.providerSecrets);
    this.release(fn);
    runOnSchedule(fn, {
      id: 'SyncProviderStockSchedule',
      every: FULL_SYNC_EVERY,
      description: "Queues every inventory provider's stock snapshot for the conflict rules",
      maxEventAge: Duration.minutes(30),
      why: 'Each run queues whole snapshots again; the queue de-duplicates and the conflict rules ignore versions already applied.',
    });
  }

  /** Every function here is invoked by an event source mapping or a rule: each is released behind its alias, before its callers are wired. */
  private release(fn: StockadeFunction): void {
    new FunctionRelease(fn, { config: this.stageContext.config });
    this.functions.push(fn);
  }
}
