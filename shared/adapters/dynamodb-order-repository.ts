import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { OrderPayment, OrderStatus, PaymentOutcome, StoredOrder } from '../domain/orders/order';
import type { ListPosition, PositionedPage } from '../ports/cursor-codec';
import type { CheckoutKey, CreateOnceResult, OrderRepository, OrderTransition } from '../ports/order-repository';
import {
  cancellationCodes,
  historyItem,
  orderItem,
  orderKey,
  orderTransitionItems,
  toOrder,
  transientIfContended,
  vendorViewItems,
} from './dynamodb-order-items';

/** How long a checkout key is remembered: well past any client's retry window. */
const CHECKOUT_KEY_DAYS = 7;

/** Orders in the orders table (docs/data-model.md). */
export class DynamoDbOrderRepository implements OrderRepository {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

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
          TransactItems: [
            put(keyItem),
            put(orderItem(order)),
            ...vendorViewItems(order).map(put),
            put(historyItem(order.orderId, order.createdAt, order.status)),
          ],
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
    return Item ? toOrder(unmarshall(Item)) : undefined;
  }

  async listByCustomer(customerId: string, query: { limit: number; after?: ListPosition }): Promise<PositionedPage<StoredOrder>> {
    return this.newestFirst(query, {
      IndexName: 'byCustomer',
      KeyConditionExpression: 'gsi1pk = :customer',
      ExpressionAttributeValues: marshall({ ':customer': `CUSTOMER#${customerId}` }),
    });
  }

  async listByStatus(status: OrderStatus, query: { from: string; to: string; limit: number; after?: ListPosition }): Promise<PositionedPage<StoredOrder>> {
    return this.newestFirst(query, {
      IndexName: 'byStatus',
      KeyConditionExpression: 'gsi2pk = :status AND gsi2sk BETWEEN :from AND :to',
      ExpressionAttributeValues: marshall(statusRange(status, query.from, query.to)),
    });
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
    const items = (result.Items ?? []).map((i) => toOrder(unmarshall(i)));
    const next = result.LastEvaluatedKey ? Object.fromEntries(Object.entries(unmarshall(result.LastEvaluatedKey)).map(([k, v]) => [k, String(v)])) : undefined;
    return { items, ...(next ? { next } : {}) };
  }

  async *listByStatusCreated(status: OrderStatus, from: string, to: string): AsyncIterable<StoredOrder> {
    let after: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'byStatus',
          KeyConditionExpression: 'gsi2pk = :status AND gsi2sk BETWEEN :from AND :to',
          ExpressionAttributeValues: marshall(statusRange(status, from, to)),
          ...(after ? { ExclusiveStartKey: after } : {}),
        }),
      );
      for (const item of page.Items ?? []) yield toOrder(unmarshall(item));
      after = page.LastEvaluatedKey;
    } while (after);
  }

  async transition(orderId: string, change: OrderTransition): Promise<StoredOrder | undefined> {
    try {
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: orderTransitionItems(this.tableName, orderId, change) }));
    } catch (error) {
      if (cancellationCodes(error)?.[0] === 'ConditionalCheckFailed') return undefined;
      throw transientIfContended(error);
    }
    return this.get(orderId);
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
    const order = await this.update(orderId, {
      set: { paymentTaskToken: taskToken, '#status': 'AWAITING_PAYMENT', gsi2pk: 'STATUS#AWAITING_PAYMENT', updatedAt: at },
      condition: '#status IN (:reserved, :awaiting) AND attribute_exists(paymentIntentId)',
      values: { ':reserved': 'RESERVED', ':awaiting': 'AWAITING_PAYMENT' },
    });
    // The history entry follows the change (an UpdateItem cannot write a second item); a retried step adds another.
    if (order) await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: marshall(historyItem(orderId, at, 'AWAITING_PAYMENT')) }));
    return order;
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
      // refunds), so a late or replayed event can never move it back.
      set: { paymentOutcome: outcome, updatedAt: at },
      condition: 'attribute_not_exists(paymentOutcome)',
      values: {},
    });
    return recorded ?? this.get(orderId);
  }

  /** One conditional UpdateItem; undefined when the order is absent or the condition fails. */
  private async update(
    orderId: string,
    change: { set: Record<string, unknown>; condition: string; values: Record<string, unknown> },
  ): Promise<StoredOrder | undefined> {
    const values: Record<string, unknown> = { ...change.values };
    const sets = Object.entries(change.set).map(([attribute, value], i) => {
      values[`:v${i}`] = value;
      return `${attribute} = :v${i}`;
    });
    const expression = `SET ${sets.join(', ')}`;
    const usesStatus = `${expression} ${change.condition}`.includes('#status');
    try {
      const { Attributes } = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(orderKey(orderId)),
          UpdateExpression: expression,
          ConditionExpression: `attribute_exists(pk) AND ${change.condition}`,
          ...(usesStatus ? { ExpressionAttributeNames: { '#status': 'status' } } : {}),
          ExpressionAttributeValues: marshall(values, { removeUndefinedValues: true }),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? toOrder(unmarshall(Attributes)) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw transientIfContended(error);
    }
  }
}

/** Key values for the byStatus index between two creation times: its sort key is `<createdAt>#<orderId>`, and '#' sorts before every id character and '~' after. */
function statusRange(status: OrderStatus, from: string, to: string): Record<string, string> {
  return { ':status': `STATUS#${status}`, ':from': `${from}#`, ':to': `${to}#~` };
}
