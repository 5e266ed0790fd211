import type { Construct } from 'constructs';
import { ENV } from '../../shared/config/env-names';
import type { StageContext } from './stage-props';
import type { StockadeFunction } from './stockade-function';
import { StockadeTable } from './stockade-table';

/**
 * The orders table (docs/data-model.md, "Orders"): orders, their vendor views, carts (TTL) and status history, with
 * the byCustomer, byStatus and byVendor indexes. It carries the stage's byStatus shard count, so the functions that
 * write an order's status and those that read the index agree on it.
 */
export class OrdersTable extends StockadeTable {
  readonly statusShards: number;

  constructor(scope: Construct, id: string, props: { stageContext: StageContext }) {
    super(scope, id, {
      stageContext: props.stageContext,
      timeToLiveAttribute: 'expiresAt',
      indexes: [
        { indexName: 'byCustomer', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'KEYS_ONLY' },
        { indexName: 'byStatus', partitionKey: 'gsi2pk', sortKey: 'gsi2sk', projection: 'KEYS_ONLY' },
        { indexName: 'byVendor', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
      ],
    });
    this.statusShards = props.stageContext.config.orders.statusShards;
  }
}

/**
 * Gives a function that writes an order's status or reads the byStatus index (through the order repository or the
 * stock ledger) the index's shard count. The grants are the table binding's: the shards are keys of the same index.
 */
export function bindOrderStatusShards(fn: StockadeFunction, table: OrdersTable): StockadeFunction {
  fn.addEnvironment(ENV.ORDER_STATUS_SHARDS, String(table.statusShards));
  return fn;
}
