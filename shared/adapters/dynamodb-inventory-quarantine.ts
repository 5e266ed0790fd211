import { ConditionalCheckFailedException, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { InventoryQuarantine, QuarantinedLine } from '../ports/inventory-quarantine';

/** Puts in flight at once: a webhook carries at most 500 lines, and most carry none to quarantine. */
const CONCURRENCY = 10;

/** The catalog table key of a quarantined line (docs/data-model.md). */
export function quarantineKey(line: Pick<QuarantinedLine, 'providerId' | 'occurredAt' | 'eventId' | 'externalSku'>): { pk: string; sk: string } {
  return { pk: `QUARANTINE#${line.providerId}`, sk: `${new Date(line.occurredAt).toISOString()}#${line.eventId}#${line.externalSku}` };
}

/**
 * Quarantined provider lines in the catalog table, one item per line under `QUARANTINE#<providerId>`, sorted by
 * when the provider says the event happened: an operator lists a provider's quarantine with one Query. Each put is
 * conditional on the item not existing, so a redelivered event keeps the first record.
 */
export class DynamoDbInventoryQuarantine implements InventoryQuarantine {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async record(lines: readonly QuarantinedLine[]): Promise<void> {
    for (let start = 0; start < lines.length; start += CONCURRENCY) {
      await Promise.all(lines.slice(start, start + CONCURRENCY).map((line) => this.put(line)));
    }
  }

  private async put(line: QuarantinedLine): Promise<void> {
    const { pk, sk } = quarantineKey(line);
    const { quantity, unit, version } = line.line;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: pk },
            sk: { S: sk },
            entity: { S: 'inventory-quarantine' },
            providerId: { S: line.providerId },
            eventId: { S: line.eventId },
            occurredAt: { S: line.occurredAt },
            externalSku: { S: line.externalSku },
            reason: { S: line.reason },
            quantity: { N: String(quantity) },
            ...(unit === undefined ? {} : { unit: { S: unit } }),
            ...(version === undefined ? {} : { version: { N: String(version) } }),
            receivedAt: { S: line.receivedAt },
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
