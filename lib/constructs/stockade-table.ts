import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { removalPolicyOf, type StageContext } from './stage-props';

export interface StockadeTableIndex {
  readonly indexName: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
  /**
   * What the index copies of each item. KEYS_ONLY for an index whose readers fetch the items themselves: an update
   * that leaves the index's keys alone then writes nothing to it, and a moved key writes only the keys.
   * @default ALL
   */
  readonly projection?: 'ALL' | 'KEYS_ONLY';
}

export interface StockadeTableProps {
  readonly stageContext: StageContext;
  /** @default 'pk' */
  readonly partitionKey?: string;
  /** @default 'sk'; pass null for a table keyed by partition key only */
  readonly sortKey?: string | null;
  /** Global secondary indexes; every key attribute is a string. @default none */
  readonly indexes?: readonly StockadeTableIndex[];
  /** Attribute holding an epoch-seconds expiry. @default no TTL */
  readonly timeToLiveAttribute?: string;
}

/**
 * A DynamoDB table with Stockade's non-negotiables: the stage's customer-managed KMS key, point-in-time recovery,
 * on-demand capacity, and (outside dev) deletion protection with RETAIN.
 */
export class StockadeTable extends Table {
  /** Names of the global secondary indexes, so grants can name each index ARN instead of index/*. */
  readonly indexNames: readonly string[];

  constructor(scope: Construct, id: string, props: StockadeTableProps) {
    const { config, key } = props.stageContext;
    const sortKey = props.sortKey === undefined ? 'sk' : props.sortKey;
    super(scope, id, {
      partitionKey: { name: props.partitionKey ?? 'pk', type: AttributeType.STRING },
      ...(sortKey ? { sortKey: { name: sortKey, type: AttributeType.STRING } } : {}),
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: config.removalPolicy === 'retain',
      removalPolicy: removalPolicyOf(config),
      timeToLiveAttribute: props.timeToLiveAttribute,
    });
    this.indexNames = (props.indexes ?? []).map((i) => i.indexName);
    for (const index of props.indexes ?? []) {
      this.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        ...(index.sortKey ? { sortKey: { name: index.sortKey, type: AttributeType.STRING } } : {}),
        projectionType: index.projection === 'KEYS_ONLY' ? ProjectionType.KEYS_ONLY : ProjectionType.ALL,
      });
    }
  }
}
