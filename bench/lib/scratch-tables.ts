import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type WriteRequest,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { pool, sleep } from './concurrency';

/** Creates `name` with the key schema and indexes of `source` (on-demand). */
export async function cloneTable(ddb: DynamoDBClient, source: string, name: string): Promise<void> {
  const { Table } = await ddb.send(new DescribeTableCommand({ TableName: source }));
  if (!Table?.KeySchema || !Table.AttributeDefinitions) throw new Error(`DescribeTable ${source} gave no key schema`);
  const indexes = (Table.GlobalSecondaryIndexes ?? []).map((g) => ({ IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection }));
  await ddb.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: Table.KeySchema,
      AttributeDefinitions: Table.AttributeDefinitions,
      BillingMode: 'PAY_PER_REQUEST',
      ...(indexes.length > 0 ? { GlobalSecondaryIndexes: indexes } : {}),
    }),
  );
  await waitUntilTableExists({ client: ddb, maxWaitTime: 30 }, { TableName: name });
}

/** BatchWriteItem in chunks of 25, four at a time, asking again (bounded) for what DynamoDB leaves unprocessed. */
export async function putAll(ddb: DynamoDBClient, table: string, items: ReadonlyArray<Record<string, unknown>>): Promise<void> {
  const chunks: WriteRequest[][] = [];
  for (let i = 0; i < items.length; i += 25)
    chunks.push(items.slice(i, i + 25).map((item) => ({ PutRequest: { Item: marshall(item, { removeUndefinedValues: true }) } })));
  await pool(chunks.length, 4, async (c) => {
    let pending = chunks[c] ?? [];
    for (let attempt = 0; pending.length > 0 && attempt < 8; attempt++) {
      const out = await ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
      pending = out.UnprocessedItems?.[table] ?? [];
      if (pending.length > 0) await sleep(50 * 2 ** attempt);
    }
    if (pending.length > 0) throw new Error(`BatchWriteItem kept ${pending.length} items unprocessed`);
  });
}
