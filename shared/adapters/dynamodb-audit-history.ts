import { type AttributeValue, type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { AuditEvent } from '../ports/audit-log';
import type { AuditHistory } from '../ports/personal-data';
import { toEvent } from './dynamodb-audit-log';

/** An actor's audit events through the audit table's byActor index (`ACTOR#<actor>` / `<at>#<shard>#<seq>`), newest first. */
export class DynamoDbAuditHistory implements AuditHistory {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async byActor(actor: string, limit: number): Promise<{ items: AuditEvent[]; more: boolean }> {
    const items: AuditEvent[] = [];
    let after: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'byActor',
          KeyConditionExpression: 'gsi1pk = :actor',
          ExpressionAttributeValues: { ':actor': { S: `ACTOR#${actor}` } },
          ScanIndexForward: false,
          Limit: Math.min(100, limit + 1 - items.length),
          ...(after ? { ExclusiveStartKey: after } : {}),
        }),
      );
      items.push(...(page.Items ?? []).map(toEvent));
      after = page.LastEvaluatedKey;
    } while (after && items.length <= limit);
    return { items: items.slice(0, limit), more: items.length > limit };
  }
}
