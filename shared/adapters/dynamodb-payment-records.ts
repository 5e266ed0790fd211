import { ConditionalCheckFailedException, type DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { PaymentRecord, PaymentRecords, PaymentReporter, PaymentState, TerminalOutcome } from '../ports/payment-records';
import { transientIfContended } from './dynamodb-order-items';

const STATE_OF: Readonly<Record<TerminalOutcome['kind'], PaymentState>> = { succeeded: 'SUCCEEDED', canceled: 'CANCELED' };

/** Payment records in the payments table (docs/data-model.md): `PI#<paymentIntentId>` / `PAYMENT`. */
export class DynamoDbPaymentRecords implements PaymentRecords {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async open(record: { paymentIntentId: string; orderId: string; amount: { amount: number; currency: string }; createdAt: string }): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall(paymentRecordItem(record)),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      // Opened before (a retried step), or already decided by an early webhook: either way nothing to do.
      if (error instanceof ConditionalCheckFailedException) return;
      throw transientIfContended(error);
    }
  }

  async get(paymentIntentId: string): Promise<PaymentRecord | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(paymentKey(paymentIntentId)), ConsistentRead: true }),
    );
    return Item ? toRecord(unmarshall(Item)) : undefined;
  }

  async decide(outcome: TerminalOutcome, by: PaymentReporter, at: string, orderId?: string): Promise<{ decided: boolean; record: PaymentRecord }> {
    const values: Record<string, unknown> = {
      ':state': STATE_OF[outcome.kind],
      ':pending': 'PENDING',
      ':outcome': { ...outcome },
      ':at': at,
      ':by': by,
      ':entity': 'payment',
      ':pi': outcome.paymentIntentId,
    };
    const sets = [
      '#state = :state',
      'outcome = :outcome',
      'decidedAt = :at',
      'decidedBy = :by',
      'entity = if_not_exists(entity, :entity)',
      'paymentIntentId = :pi',
      'createdAt = if_not_exists(createdAt, :at)',
    ];
    if (orderId) {
      // A record the webhook creates (it beat CreatePaymentIntent's write) still names its order.
      values[':orderId'] = orderId;
      sets.push('orderId = if_not_exists(orderId, :orderId)');
    }
    try {
      const { Attributes } = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(paymentKey(outcome.paymentIntentId)),
          UpdateExpression: `SET ${sets.join(', ')} REMOVE lastFailure`,
          ConditionExpression: 'attribute_not_exists(pk) OR #state = :pending',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: marshall(values, { removeUndefinedValues: true }),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { decided: true, record: toRecord(unmarshall(Attributes ?? {})) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw transientIfContended(error);
      const record = await this.get(outcome.paymentIntentId);
      if (!record) throw new Error(`Payment ${outcome.paymentIntentId} was decided, then disappeared`);
      return { decided: false, record };
    }
  }

  async noteFailure(paymentIntentId: string, reason: string, at: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(paymentKey(paymentIntentId)),
          UpdateExpression: 'SET lastFailure = :failure',
          ConditionExpression: 'attribute_exists(pk) AND #state = :pending',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: marshall({ ':failure': { reason, at }, ':pending': 'PENDING' }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw transientIfContended(error);
    }
  }
}

export const paymentKey = (paymentIntentId: string) => ({ pk: `PI#${paymentIntentId}`, sk: 'PAYMENT' });

/** A payment record as `open` writes it (PENDING); benchmarks seed decided ones with the state they pass. */
export function paymentRecordItem(
  record: { paymentIntentId: string; orderId: string; amount: { amount: number; currency: string }; createdAt: string },
  state: PaymentState = 'PENDING',
): Record<string, unknown> {
  return {
    ...paymentKey(record.paymentIntentId),
    entity: 'payment',
    paymentIntentId: record.paymentIntentId,
    orderId: record.orderId,
    amount: record.amount.amount,
    currency: record.amount.currency,
    state,
    createdAt: record.createdAt,
  };
}

export function toRecord(item: Record<string, unknown>): PaymentRecord {
  const amount = typeof item.amount === 'number' && typeof item.currency === 'string' ? { amount: item.amount, currency: item.currency } : undefined;
  return {
    paymentIntentId: item.paymentIntentId as string,
    state: item.state as PaymentState,
    createdAt: item.createdAt as string,
    ...(typeof item.orderId === 'string' ? { orderId: item.orderId } : {}),
    ...(amount ? { amount } : {}),
    ...(item.outcome ? { outcome: item.outcome as TerminalOutcome } : {}),
    ...(typeof item.decidedAt === 'string' ? { decidedAt: item.decidedAt } : {}),
    ...(typeof item.decidedBy === 'string' ? { decidedBy: item.decidedBy as PaymentReporter } : {}),
    ...(item.lastFailure ? { lastFailure: item.lastFailure as { reason: string; at: string } } : {}),
  };
}
