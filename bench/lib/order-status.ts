import { BatchGetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { orderIdOf } from '../../shared/adapters/dynamodb-order-items';
import type { OrderStatus } from '../../shared/domain/orders/order';
import { sleep } from './concurrency';

/** How often the orders table is read while waiting for orders to move. */
export const POLL_MS = 200;

export const PAST_AWAITING = new Set<OrderStatus>(['AWAITING_PAYMENT', 'CONFIRMED', 'FULFILLED']);
export const ENDED = new Set<OrderStatus>(['FAILED', 'CANCELLED', 'REFUNDED']);

/** Current status of each order (strongly consistent BatchGetItem, 100 keys a call); unknown ids are left out. */
export async function orderStatuses(ddb: DynamoDBClient, table: string, orderIds: readonly string[]): Promise<Map<string, OrderStatus>> {
  const statuses = new Map<string, OrderStatus>();
  for (let i = 0; i < orderIds.length; i += 100) {
    const keys = orderIds.slice(i, i + 100).map((id) => marshall({ pk: `ORDER#${id}`, sk: 'ORDER' }));
    const out = await ddb.send(
      new BatchGetItemCommand({
        RequestItems: { [table]: { Keys: keys, ConsistentRead: true, ProjectionExpression: 'pk, #s', ExpressionAttributeNames: { '#s': 'status' } } },
      }),
    );
    for (const raw of out.Responses?.[table] ?? []) {
      const item = unmarshall(raw);
      statuses.set(orderIdOf(item.pk), item.status as OrderStatus);
    }
  }
  return statuses;
}

/** Polls one order until `done(status)` or an ended status, at most `timeoutMs`; returns the last status seen. */
export async function waitForOrder(
  ddb: DynamoDBClient,
  table: string,
  orderId: string,
  done: (s: OrderStatus) => boolean,
  timeoutMs: number,
): Promise<OrderStatus | undefined> {
  let status: OrderStatus | undefined;
  for (let i = 0; i < Math.ceil(timeoutMs / POLL_MS); i++) {
    status = (await orderStatuses(ddb, table, [orderId])).get(orderId);
    if (status && (done(status) || ENDED.has(status))) return status;
    await sleep(POLL_MS);
  }
  return status;
}
