import { Stack, type StackProps } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { InventoryProviders } from '../../shared/domain/inventory/provider-config';
import type { StageConfig } from '../config/stage-config';
import type { StageContext } from '../constructs/stage-props';
import { StockadeFunction } from '../constructs/stockade-function';
import type { StockadeQueue } from '../constructs/stockade-queue';
import type { StockadeTable } from '../constructs/stockade-table';

export interface InventoryStackProps extends StackProps {
  readonly config: StageConfig;
  readonly key: IKey;
  /** config/inventory-providers/<stage>.json, validated. */
  readonly providers: InventoryProviders;
  readonly tables: { readonly catalog: StockadeTable; readonly orders: StockadeTable; readonly audit: StockadeTable };
  /** Normalized provider updates, FIFO by SKU (the webhook and the full sync produce, the consumer applies). */
  readonly inventoryUpdatesQueue: StockadeQueue;
  /** Each provider's HMAC secret, by provider id. */
  readonly providerSecrets: ReadonlyMap<string, ISecret>;
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
  }

  /** The inventory updates consumer: conflict rules and the inventory ledger. */
  private addUpdateConsumer(props: InventoryStackProps): void {
    const queue = props.inventoryUpdatesQueue;
    const fn = new StockadeFunction(this, 'ApplyInventoryUpdates', {
      stageContext: this.stageContext,
      entry: 'inventory/apply-inventory-updates',
      service: 'inventory',
      timeout: queue.consumerTimeout,
      // Failed records get a short visibility backoff instead of the whole timeout (SqsRetryBackoff): the event
      // source's consume grant includes sqs:ChangeMessageVisibility on this queue.
      environment: { INVENTORY_UPDATES_QUEUE_URL: queue.queue.queueUrl },
    })
      .bindTable('CATALOG_TABLE', props.tables.catalog, 'readWrite')
      .consumeQueue(queue, { batchSize: 10 });
    this.functions.push(fn);
  }

  /** The outbox relay: sale and cancellation notices to each SKU's provider, with timeouts, retries and a breaker. */
  private addOutboundRelay(_props: InventoryStackProps): void {}

  /** The full sync: each provider's paged stock snapshot, through the same queue and rules. */
  private addFullSync(_props: InventoryStackProps): void {}
}
