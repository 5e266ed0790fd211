import { Stack, type StackProps } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stage-config';
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
  /** Orders, per-vendor order views, carts (TTL) and status history. */
  readonly orders: StockadeTable;
  /** Payment records keyed by PaymentIntent id, and the webhook event ledger. */
  readonly payments: StockadeTable;
  /** Powertools idempotency records. */
  readonly idempotency: StockadeTable;
  /** Append-only admin and security events. */
  readonly audit: StockadeTable;

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
    this.orders = new StockadeTable(this, 'OrdersTable', {
      stageContext,
      timeToLiveAttribute: 'expiresAt',
      indexes: [
        { indexName: 'byCustomer', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
        { indexName: 'byStatus', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
        { indexName: 'byVendor', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
      ],
    });
    this.payments = new StockadeTable(this, 'PaymentsTable', {
      stageContext,
      timeToLiveAttribute: 'expiresAt',
      indexes: [{ indexName: 'byOrder', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' }],
    });
    this.idempotency = new StockadeTable(this, 'IdempotencyTable', {
      stageContext,
      partitionKey: 'id',
      sortKey: null,
      timeToLiveAttribute: 'expiration',
    });
    this.audit = new StockadeTable(this, 'AuditTable', {
      stageContext,
      indexes: [{ indexName: 'byActor', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' }],
    });
  }
}
