import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteItemsCommand,
  type Update,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from '../validation/zod';
import { ValidationError } from '../domain/errors';
import type { OrderPayment, OrderStatus, PaymentOutcome, StoredOrder } from '../domain/orders/order';
import type { ListPosition, PositionedPage } from '../ports/cursor-codec';
import type { CheckoutKey, CreateOnceResult, OrderRepository, OrderTransition } from '../ports/order-repository';
import { batchGetItems } from './dynamodb-batch-get';
import { newestAcrossShards } from './dynamodb-sharded-index';
import {
  cancellationCodes,
  checkedStatusShards,
  orderItem,
  orderIdOf,
  orderKey,
  orderTransitionUpdate,
  statusKeysToRead,
  toOrder,
  transientIfContended,
  vendorViewItems,
} from './dynamodb-order-items';

/** How long a checkout key is remembered: well past any client's retry window. */
const CHECKOUT_KEY_DAYS = 7;

/** How long a payment wait's task token is kept: past any wait (the saga's own timeout is hours), then TTL drops it. */
const PAYMENT_WAIT_TTL_SECONDS = 2 * 24 * 60 * 60;

/** The item holding the task token of an order's payment wait, in the order's partition. */
const paymentWaitKey = (orderId: string) => ({ pk: `ORDER#${orderId}`, sk: 'PAYMENTWAIT' });

/** Index entries a shard's page of a reconciliation read holds (one BatchGetItem of the orders). */
const CREATED_PAGE_SIZE = 100;

/**
 * Where an admin listing stopped: the byStatus sort key (`<createdAt>#<orderId>`) of the last entry it took. Other
 * fields are ignored, so the cursors issued before the index was sharded (its LastEvaluatedKey) still page.
 */
const StatusPosition = z.object({ gsi2sk: z.string().check(z.minLength(1), z.maxLength(200)) });

/**
 * Orders in the orders table (docs/data-model.md). `statusShards`: the byStatus index's shard count (the stage
 * config's orders.statusShards), which writers and readers must agree on.
 */
export class DynamoDbOrderRepository implements OrderRepository {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly statusShards: number,
  ) {
    checkedStatusShards(statusShards);
  }

  async createOnce(order: StoredOrder, key: CheckoutKey): Promise<CreateOnceResult> {
    const keyItem = {
      pk: `CHECKOUT#${order.customerId}#${key.idempotencyKey}`,
      sk: 'CHECKOUT',
      entity: 'checkout-key',
      orderId: order.orderId,
      requestHash: key.requestHash,
      createdAt: order.createdAt,
      expiresAt: Math.floor(Date.parse(order.createdAt) / 1000) + CHECKOUT_KEY_DAYS * 86_400,
    };
    const put = (item: Record<string, unknown>) => ({
      Put: { TableName: this.tableName, Item: marshall(item, { removeUndefinedValues: true }), ConditionExpression: 'attribute_not_exists(pk)' },
    });
    try {
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [put(keyItem), put(orderItem(order, this.statusShards)), ...vendorViewItems(order, this.statusShards).map(put)],
        }),
      );
      return { created: true };
    } catch (error) {
      if (cancellationCodes(error)?.[0] !== 'ConditionalCheckFailed') throw transientIfContended(error);
      const { Item } = await this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: marshall({ pk: keyItem.pk, sk: keyItem.sk }), ConsistentRead: true }),
      );
      if (!Item) throw transientIfContended(error);
      const existing = unmarshall(Item);
      return { created: false, orderId: String(existing.orderId), requestHash: String(existing.requestHash) };
    }
  }

  async get(orderId: string): Promise<StoredOrder | undefined> {
    const { Item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(orderKey(orderId)), ConsistentRead: true }));
    return Item ? this.withWaitToken(toOrder(unmarshall(Item))) : undefined;
  }

  /**
   * The order with the task token of the saga's payment wait, while it awaits payment. The token is kept in an item
   * of its own (PAYMENTWAIT, expiring by TTL), not on the order: it is long (AWS's tokens are opaque and run to
   * kilobytes), and on the order every write of the wait would pay for it.
   */
  private async withWaitToken(order: StoredOrder): Promise<StoredOrder> {
    if (order.status !== 'AWAITING_PAYMENT' || order.paymentTaskToken) return order;
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(paymentWaitKey(order.orderId)), ConsistentRead: true }),
    );
    const taskToken = Item ? unmarshall(Item).taskToken : undefined;
    return typeof taskToken === 'string' ? { ...order, paymentTaskToken: taskToken } : order;
  }

  async listByCustomer(customerId: string, query: { limit: number; after?: ListPosition }): Promise<PositionedPage<StoredOrder>> {
    return this.newestFirst(query, {
      IndexName: 'byCustomer',
      KeyConditionExpression: 'gsi1pk = :customer',
      ExpressionAttributeValues: marshall({ ':customer': `CUSTOMER#${customerId}` }),
    });
  }

  /**
   * The status's N shards are read in parallel and merged newest first (newestAcrossShards); the position is the sort
   * key (`<createdAt>#<orderId>`) of the page's last entry. A page costs N Queries and one BatchGetItem.
   */
  async listByStatus(status: OrderStatus, query: { from: string; to: string; limit: number; after?: ListPosition }): Promise<PositionedPage<StoredOrder>> {
    const range = statusRange(query.from, query.to);
    const page = await newestAcrossShards(this.client, {
      tableName: this.tableName,
      indexName: 'byStatus',
      partitionKey: 'gsi2pk',
      sortKey: 'gsi2sk',
      keys: this.shardKeys(status),
      ...range,
      ...(query.after ? { after: statusPositionOf(query.after) } : {}),
      limit: query.limit,
    });
    // An order that moved on between the index read and the item read is no longer in this status.
    const items = (await this.ordersOf(page.entries)).filter((o) => o.status === status);
    return { items, ...(page.next ? { next: { gsi2sk: page.next } } : {}) };
  }

  /** The byStatus partition keys a listing of a status reads: one per shard, two for a status indexed under another's. */
  private shardKeys(status: OrderStatus): string[] {
    return Array.from({ length: this.statusShards }, (_, shard) => statusKeysToRead(status, shard)).flat();
  }

  /** One page of an index query, newest first, from the position the previous page ended at. */
  private async newestFirst(
    page: { limit: number; after?: ListPosition },
    query: Pick<QueryCommandInput, 'IndexName' | 'KeyConditionExpression' | 'ExpressionAttributeValues'>,
  ): Promise<PositionedPage<StoredOrder>> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        ...query,
        ScanIndexForward: false,
        Limit: page.limit,
        ...(page.after ? { ExclusiveStartKey: marshall(page.after) } : {}),
      }),
    );
    const items = await this.ordersOf(result.Items ?? []);
    const next = result.LastEvaluatedKey ? Object.fromEntries(Object.entries(unmarshall(result.LastEvaluatedKey)).map(([k, v]) => [k, String(v)])) : undefined;
    return { items, ...(next ? { next } : {}) };
  }

  /**
   * The shards are read in parallel, a round at a time: each round reads the next page (CREATED_PAGE_SIZE entries,
   * oldest first) of every shard not yet done, and its orders, and yields them shard by shard. In parallel because
   * reconciliation reads every status for every slice of its window, and one shard after another would make each read
   * N round trips long; in rounds of small pages so that what is held at once stays at most N pages (N x 100 orders)
   * whatever the window holds. Across shards the orders come in no particular order.
   */
  async *listByStatusCreated(status: OrderStatus, from: string, to: string): AsyncIterable<StoredOrder> {
    const range = statusRange(from, to);
    let pending: Array<{ key: string; after?: Record<string, AttributeValue> }> = this.shardKeys(status).map((key) => ({ key }));
    while (pending.length > 0) {
      const pages = await Promise.all(
        pending.map(async ({ key, after }) => {
          const page = await this.client.send(
            new QueryCommand({
              TableName: this.tableName,
              IndexName: 'byStatus',
              KeyConditionExpression: 'gsi2pk = :key AND gsi2sk BETWEEN :from AND :to',
              ExpressionAttributeValues: marshall({ ':key': key, ':from': range.from, ':to': range.to }),
              Limit: CREATED_PAGE_SIZE,
              ...(after ? { ExclusiveStartKey: after } : {}),
            }),
          );
          return { key, orders: await this.ordersOf(page.Items ?? []), after: page.LastEvaluatedKey };
        }),
      );
      for (const page of pages) for (const order of page.orders) if (order.status === status) yield order;
      pending = pages.flatMap(({ key, after }) => (after ? [{ key, after }] : []));
    }
  }

  /**
   * The orders an index page names, in the page's order. The order indexes keep only keys (KEYS_ONLY, so the many
   * updates of an order that move no index key write nothing to them): the items are read from the table, strongly
   * consistently, in one BatchGetItem per 100. An order deleted meanwhile is left out.
   */
  private async ordersOf(indexItems: ReadonlyArray<Record<string, AttributeValue>>): Promise<StoredOrder[]> {
    const orderIds = indexItems.map((i) => orderIdOf(unmarshall(i).pk));
    if (orderIds.length === 0) return [];
    const found = new Map(
      (await batchGetItems(this.client, this.tableName, orderIds.map(orderKey))).map((i) => {
        const order = toOrder(i);
        return [order.orderId, order];
      }),
    );
    return orderIds.flatMap((id) => {
      const order = found.get(id);
      return order ? [order] : [];
    });
  }

  async transition(orderId: string, change: OrderTransition): Promise<StoredOrder | undefined> {
    const order = await this.move(orderTransitionUpdate(this.tableName, orderId, change, this.statusShards));
    return order && this.withWaitToken(order);
  }

  /** One conditional Update of an order item on its own: the order as it now is, or undefined if its condition failed. */
  private async move(update: Update): Promise<StoredOrder | undefined> {
    try {
      const { Attributes } = await this.client.send(new UpdateItemCommand({ ...update, ReturnValues: 'ALL_NEW' }));
      return Attributes ? toOrder(unmarshall(Attributes)) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw transientIfContended(error);
    }
  }

  async claimFulfilment(orderId: string, at: string): Promise<StoredOrder | undefined> {
    return this.update(orderId, { set: { fulfilmentClaimedAt: at }, condition: '#status = :confirmed', values: { ':confirmed': 'CONFIRMED' } });
  }

  async attachPayment(orderId: string, payment: OrderPayment, at: string): Promise<StoredOrder | undefined> {
    return this.update(orderId, {
      set: {
        paymentIntentId: payment.paymentIntentId,
        paymentStatus: payment.status,
        updatedAt: at,
        ...(payment.clientSecret ? { paymentClientSecret: payment.clientSecret } : {}),
      },
      condition: '#status = :reserved AND (attribute_not_exists(paymentIntentId) OR paymentIntentId = :paymentIntentId)',
      values: { ':reserved': 'RESERVED', ':paymentIntentId': payment.paymentIntentId },
    });
  }

  async awaitPayment(orderId: string, taskToken: string, at: string): Promise<StoredOrder | undefined> {
    // The token first, so whoever sees the order awaiting payment finds the token to answer; a retried step (a new
    // token) replaces it. It outlives any wait (the saga's timeout is hours) and then expires.
    const expiresAt = Math.floor(Date.parse(at) / 1000) + PAYMENT_WAIT_TTL_SECONDS;
    await this.client.send(
      new PutItemCommand({ TableName: this.tableName, Item: marshall({ ...paymentWaitKey(orderId), entity: 'payment-wait', orderId, taskToken, expiresAt }) }),
    );
    // Also a retried step's: the move is appended to the history again.
    const order = await this.move(
      orderTransitionUpdate(
        this.tableName,
        orderId,
        { from: ['RESERVED', 'AWAITING_PAYMENT'], to: 'AWAITING_PAYMENT', at },
        this.statusShards,
        'attribute_exists(paymentIntentId)',
      ),
    );
    return order ? { ...order, paymentTaskToken: taskToken } : undefined;
  }

  async recordRefund(orderId: string, refund: { refundId: string; amount: number; paymentStatus: string }, at: string): Promise<StoredOrder | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(orderKey(orderId)),
          UpdateExpression:
            'SET refundedAmount = if_not_exists(refundedAmount, :zero) + :amount, paymentStatus = :paymentStatus, updatedAt = :at ADD refundIds :ids',
          ConditionExpression: 'attribute_exists(pk) AND NOT contains(refundIds, :id)',
          ExpressionAttributeValues: {
            ...marshall({ ':zero': 0, ':amount': refund.amount, ':paymentStatus': refund.paymentStatus, ':at': at, ':id': refund.refundId }),
            ':ids': { SS: [refund.refundId] },
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? toOrder(unmarshall(Attributes)) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return this.get(orderId);
      throw transientIfContended(error);
    }
  }

  async recordPaymentOutcome(orderId: string, outcome: PaymentOutcome, at: string): Promise<StoredOrder | undefined> {
    const recorded = await this.update(orderId, {
      // Only the outcome: the payment status shown is set by the steps that act on it (commit, compensation,
      // refunds), so a late or replayed event can never move it back. A payment that succeeded needs its client
      // secret no more (a succeeded PaymentIntent cannot be confirmed again): it goes now, not at the commit.
      set: { paymentOutcome: outcome, updatedAt: at },
      ...(outcome.kind === 'succeeded' ? { remove: ['paymentClientSecret'] } : {}),
      condition: 'attribute_not_exists(paymentOutcome)',
      values: {},
    });
    return recorded ? this.withWaitToken(recorded) : this.get(orderId);
  }

  /** One conditional UpdateItem (through move); undefined when the order is absent or the condition fails. */
  private update(
    orderId: string,
    change: { set: Record<string, unknown>; remove?: readonly string[]; condition: string; values: Record<string, unknown> },
  ): Promise<StoredOrder | undefined> {
    const values: Record<string, unknown> = { ...change.values };
    const sets = Object.entries(change.set).map(([attribute, value], i) => {
      values[`:v${i}`] = value;
      return `${attribute} = :v${i}`;
    });
    const expression = `SET ${sets.join(', ')}${change.remove?.length ? ` REMOVE ${change.remove.join(', ')}` : ''}`;
    const usesStatus = `${expression} ${change.condition}`.includes('#status');
    return this.move({
      TableName: this.tableName,
      Key: marshall(orderKey(orderId)),
      UpdateExpression: expression,
      ConditionExpression: `attribute_exists(pk) AND ${change.condition}`,
      ...(usesStatus ? { ExpressionAttributeNames: { '#status': 'status' } } : {}),
      ExpressionAttributeValues: marshall(values, { removeUndefinedValues: true }),
    });
  }
}

/** Sort key bounds of the byStatus index between two creation times: its sort key is `<createdAt>#<orderId>`, and '#' sorts before every id character and '~' after. */
function statusRange(from: string, to: string): { from: string; to: string } {
  return { from: `${from}#`, to: `${to}#~` };
}

function statusPositionOf(after: ListPosition): string {
  const parsed = StatusPosition.safeParse(after);
  if (!parsed.success)
    throw new ValidationError('The cursor is not one this API issued for this listing', [{ path: 'query.cursor', message: 'invalid cursor' }]);
  return parsed.data.gsi2sk;
}
