import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { PersonalDataStore } from '../ports/personal-data';
import { orderKey } from './dynamodb-order-items';

const exportKey = (customerId: string) => ({ pk: `EXPORT#${customerId}`, sk: 'LIMIT' });

/**
 * Export allowances and erasure in the orders and payments tables (docs/data-model.md, docs/privacy.md): the
 * `EXPORT#<sub>` item, the customer's own items, and the pseudonymisation of an order with its expiry for purge.
 */
export class DynamoDbPersonalDataStore implements PersonalDataStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tables: { readonly orders: string; readonly payments?: string },
  ) {}

  async claimExport(customerId: string, at: Date, intervalSeconds: number) {
    const now = Math.floor(at.getTime() / 1000);
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tables.orders,
          Item: marshall({ ...exportKey(customerId), entity: 'export-allowance', exportedAt: now, expiresAt: now + intervalSeconds }),
          ConditionExpression: 'attribute_not_exists(pk) OR exportedAt <= :cutoff',
          ExpressionAttributeValues: marshall({ ':cutoff': now - intervalSeconds }),
        }),
      );
      return { allowed: true as const };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const { Item } = await this.client.send(
        new GetItemCommand({ TableName: this.tables.orders, Key: marshall(exportKey(customerId)), ConsistentRead: true }),
      );
      const last = Item ? Number(unmarshall(Item).exportedAt) : now;
      return { allowed: false as const, retryAfterSeconds: Math.max(1, last + intervalSeconds - now) };
    }
  }

  async deleteCustomerItems(customerId: string): Promise<void> {
    for (const key of [{ pk: `CART#${customerId}`, sk: 'CART' }, { pk: `ADDRESS#${customerId}`, sk: 'DEFAULT' }, exportKey(customerId)]) {
      await this.client.send(new DeleteItemCommand({ TableName: this.tables.orders, Key: marshall(key) }));
    }
  }

  async pseudonymiseOrder(
    orderId: string,
    change: { customerId: string; pseudonym: string; purgeAt: number; at: string; paymentIntentId?: string },
  ): Promise<boolean> {
    const { Item } = await this.client.send(new GetItemCommand({ TableName: this.tables.orders, Key: marshall(orderKey(orderId)), ConsistentRead: true }));
    const order = Item ? unmarshall(Item) : undefined;
    if (order?.customerId !== change.customerId) return false;
    // The order's other items (vendor views, status history) and its payment record expire with it; they hold no
    // personal data. These writes come first: the order's own change below is the one that makes a retry stop here.
    await this.expireOrderPartition(orderId, change.purgeAt);
    if (change.paymentIntentId && this.tables.payments)
      await this.expire(this.tables.payments, { pk: `PI#${change.paymentIntentId}`, sk: 'PAYMENT' }, change.purgeAt);
    const address = (order.shipTo as { address?: { country?: string; region?: string }; option?: { id?: string } } | undefined) ?? {};
    const kept: Record<string, unknown> = {
      ...(address.address?.country ? { shipToCountry: address.address.country } : {}),
      ...(address.address?.region ? { shipToRegion: address.address.region } : {}),
      ...(address.option?.id ? { shippingOptionId: address.option.id } : {}),
    };
    const values: Record<string, unknown> = {
      ':pseudonym': change.pseudonym,
      ':customerKey': `CUSTOMER#${change.pseudonym}`,
      ':purgeAt': change.purgeAt,
      ':at': change.at,
      ':customerId': change.customerId,
    };
    const keptSets = Object.keys(kept).map((name) => {
      values[`:${name}`] = kept[name];
      return `${name} = :${name}`;
    });
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tables.orders,
          Key: marshall(orderKey(orderId)),
          UpdateExpression: `SET ${['customerId = :pseudonym', 'gsi1pk = :customerKey', 'expiresAt = :purgeAt', 'erasedAt = :at', ...keptSets].join(', ')} REMOVE shipTo, contactEmail`,
          ConditionExpression: 'customerId = :customerId',
          ExpressionAttributeValues: marshall(values),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private async expireOrderPartition(orderId: string, purgeAt: number): Promise<void> {
    let after: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tables.orders,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: marshall({ ':pk': orderKey(orderId).pk }),
          ProjectionExpression: 'pk, sk',
          ...(after ? { ExclusiveStartKey: after } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        const key = unmarshall(item) as { pk: string; sk: string };
        if (key.sk !== orderKey(orderId).sk) await this.expire(this.tables.orders, key, purgeAt);
      }
      after = page.LastEvaluatedKey;
    } while (after);
  }

  private async expire(tableName: string, key: { pk: string; sk: string }, purgeAt: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: marshall(key),
          UpdateExpression: 'SET expiresAt = :purgeAt',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: marshall({ ':purgeAt': purgeAt }),
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
