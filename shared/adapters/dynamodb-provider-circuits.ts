import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { ProviderCircuitStore, ProviderHealth } from '../ports/inventory';

const circuitKey = (providerId: string) => ({ pk: `PROVIDER#${providerId}`, sk: 'CIRCUIT' });
const relayKey = (providerId: string) => ({ pk: `PROVIDER#${providerId}`, sk: 'RELAY' });

/**
 * A provider's open circuit, as every function sees it: the `PROVIDER#<id>` / `CIRCUIT` item of the catalog table,
 * present with `openUntil` while the relay's breaker is open. Checkout reads only this.
 */
export class DynamoDbProviderHealth implements ProviderHealth {
  constructor(
    protected readonly client: DynamoDBClient,
    protected readonly tableName: string,
  ) {}

  async isOpen(providerId: string, now: Date): Promise<boolean> {
    const { Item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(circuitKey(providerId)), ConsistentRead: true }));
    if (!Item) return false;
    const openUntil = Date.parse(String(unmarshall(Item).openUntil));
    return Number.isFinite(openUntil) && openUntil > now.getTime();
  }
}

/**
 * The relay's side (docs/data-model.md, catalog: providers): the CIRCUIT item written when the breaker opens and
 * deleted when it resets, and the `PROVIDER#<id>` / `RELAY` item holding the breaker's state between runs and the
 * claim (`leaseOwner`, `leaseUntil`) that keeps two runs from talking to one provider at once.
 */
export class DynamoDbProviderCircuits extends DynamoDbProviderHealth implements ProviderCircuitStore {
  async claim(providerId: string, owner: string, leaseUntil: Date, now: Date): Promise<{ breaker?: unknown } | undefined> {
    try {
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(relayKey(providerId)),
          UpdateExpression: 'SET entity = :entity, providerId = :provider, leaseOwner = :owner, leaseUntil = :until',
          ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil < :now',
          ExpressionAttributeValues: marshall({
            ':entity': 'provider-relay',
            ':provider': providerId,
            ':owner': owner,
            ':until': leaseUntil.toISOString(),
            ':now': now.toISOString(),
          }),
          ReturnValues: 'ALL_NEW',
        }),
      );
      const breaker = out.Attributes ? unmarshall(out.Attributes).breaker : undefined;
      return typeof breaker === 'string' ? { breaker: JSON.parse(breaker) as unknown } : {};
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async release(providerId: string, owner: string, breaker: unknown): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(relayKey(providerId)),
          UpdateExpression: 'SET breaker = :breaker REMOVE leaseOwner, leaseUntil',
          ConditionExpression: 'leaseOwner = :owner',
          ExpressionAttributeValues: marshall({ ':breaker': JSON.stringify(breaker), ':owner': owner }),
        }),
      );
    } catch (error) {
      // The claim expired and another run holds it now: its state is the newer one.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async opened(providerId: string, openUntil: Date, at: Date): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall({ ...circuitKey(providerId), entity: 'provider-circuit', providerId, openedAt: at.toISOString(), openUntil: openUntil.toISOString() }),
      }),
    );
  }

  async closed(providerId: string): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: marshall(circuitKey(providerId)) }));
  }
}
