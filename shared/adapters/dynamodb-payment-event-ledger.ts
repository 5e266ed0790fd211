import { ConditionalCheckFailedException, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
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
              pk: `EVENT#${event.provider}#${event.eventId}`,
              sk: 'EVENT',
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
}
