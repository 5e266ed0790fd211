import { Stack, type StackProps } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stage-config';
import { addImmutableBackups, AuditTrailTable } from '../constructs/audit-trail';
import { OrdersTable } from '../constructs/orders-table';
import { StockadeTable } from '../constructs/stockade-table';

export interface DataStackProps extends StackProps {
  readonly config: StageConfig;
  readonly key: IKey;
}

/**
 * Stateful: one table per bounded context, so each function is granted only its own data.
 * Keys and indexes follow the access patterns of api-contract.md; docs/data-model.md explains each one.
 */
export class DataStack extends Stack {
  /** Products, SKUs and stock (onHand / reserved / version). */
  readonly catalog: StockadeTable;
  /** Orders, per-vendor order views, carts (TTL) and status history; its byStatus index is write-sharded. */
  readonly orders: OrdersTable;
  /** Payment records keyed by PaymentIntent id, and the webhook event ledger. */
  readonly payments: StockadeTable;
  /** Powertools idempotency records. */
  readonly idempotency: StockadeTable;
  /** Append-only admin and security events, hash-chained per shard; a resource policy denies every change but a put. */
  readonly audit: AuditTrailTable;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const stageContext = { config: props.config, key: props.key };

    this.catalog = new StockadeTable(this, 'CatalogTable', {
      stageContext,
      indexes: [
        { indexName: 'byStatus', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
        { indexName: 'byVendor', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
      ],
    });
    this.orders = new OrdersTable(this, 'OrdersTable', { stageContext });
    // No index: every reader finds a payment record by its PaymentIntent id, which the order carries (an index by
    // order that nothing read cost two write units per order).
    this.payments = new StockadeTable(this, 'PaymentsTable', {
      stageContext,
      timeToLiveAttribute: 'expiresAt',
    });
    this.idempotency = new StockadeTable(this, 'IdempotencyTable', {
      stageContext,
      partitionKey: 'id',
      sortKey: null,
      timeToLiveAttribute: 'expiration',
    });
    this.audit = new AuditTrailTable(this, 'AuditTable', { stageContext });
    // Staging and prod keep vault-locked copies of what must outlive any mistake or intruder: the trail and the orders.
    const retentionDays = props.config.audit.backupRetentionDays;
    if (props.config.stage !== 'dev' && retentionDays !== undefined)
      addImmutableBackups(this, { stageContext, tables: [this.audit, this.orders], retentionDays });
  }
}
