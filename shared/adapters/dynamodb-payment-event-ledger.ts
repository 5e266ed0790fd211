import { ConditionalCheckFailedException, type DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { PaymentEventLedger, ProviderEvent } from '../ports/payment-events';

/** Ledger items outlive every provider's retry window (Stripe retries for up to 3 days). */
const LEDGER_DAYS = 30;

/** The payments table's event ledger (docs/data-model.md): one item per provider event, written conditionally. */
export class DynamoDbPaymentEventLedger implements PaymentEventLedger {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async record(event: ProviderEvent, receivedAt: Date): Promise<'recorded' | 'duplicate'> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall(
            {
              ...eventKey(event),
              entity: 'provider-event',
              ...event,
              receivedAt: receivedAt.toISOString(),
              expiresAt: Math.floor(receivedAt.getTime() / 1000) + LEDGER_DAYS * 86_400,
            },
            { removeUndefinedValues: true },
          ),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'recorded';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'duplicate';
      throw error;
    }
  }

  async processed(event: ProviderEvent): Promise<boolean> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(eventKey(event)), ConsistentRead: true, ProjectionExpression: 'processedAt' }),
    );
    return Item?.processedAt !== undefined;
  }

  async markProcessed(event: ProviderEvent, effect: string, at: Date): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: marshall(eventKey(event)),
        UpdateExpression: 'SET processedAt = if_not_exists(processedAt, :at), effect = if_not_exists(effect, :effect)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: marshall({ ':at': at.toISOString(), ':effect': effect }),
      }),
    );
  }
}

const eventKey = (event: Pick<ProviderEvent, 'provider' | 'eventId'>) => ({ pk: `EVENT#${event.provider}#${event.eventId}`, sk: 'EVENT' });
