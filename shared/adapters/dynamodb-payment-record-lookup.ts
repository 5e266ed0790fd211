import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { PaymentRecord, PaymentRecordLookup } from '../ports/payment-records';
import { batchGetItems } from './dynamodb-batch-get';
import { paymentKey, toRecord } from './dynamodb-payment-records';

/**
 * Payment records read many at a time (BatchGetItem, 100 keys a request, strongly consistent). A module of its own so
 * that the functions writing records do not carry the batch read and its retry policy.
 */
export class DynamoDbPaymentRecordLookup implements PaymentRecordLookup {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async getMany(paymentIntentIds: readonly string[]): Promise<ReadonlyMap<string, PaymentRecord>> {
    const items = await batchGetItems(this.client, this.tableName, paymentIntentIds.map(paymentKey));
    return new Map(items.map((item) => toRecord(item)).map((record) => [record.paymentIntentId, record]));
  }
}
