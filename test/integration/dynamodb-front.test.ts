import { randomBytes } from 'node:crypto';
import {
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { HeatReport } from '../../local/aws/dynamodb/partition-heat';
import { lostToConcurrentWrite } from '../../shared/adapters/dynamodb-conflict-retry';
import { dynamoDbClient, tableNamed, testEndpoints } from '../support/endpoints';

interface FrontReport extends HeatReport {
  readonly conflicts: { transactWrites: number; writes: number; transactGets: number };
  readonly recordingHeat: boolean;
}

/**
 * The runtime's DynamoDB endpoint behaves as DynamoDB does where DynamoDB Local does not (local/aws/dynamodb/
 * dynamodb-front.ts): overlapping transactions on one item are cancelled with TransactionConflict, and capacity is
 * recorded per partition key for benchmarks. Through the real SDK client, against the runtime's catalog table.
 */
describe('DynamoDB as DynamoDB behaves (local front)', () => {
  const endpoints = testEndpoints();
  // No SDK retries: every cancellation reaches the test.
  const ddb = dynamoDbClient(endpoints, { maxAttempts: 1, conflictRetry: false });
  const catalog = tableNamed(endpoints, 'CatalogTable');
  const tag = randomBytes(4).toString('hex');
  const report = async (method = 'GET', query = ''): Promise<FrontReport> => {
    const answer = await fetch(`${endpoints.aws.dynamodb}/_stockade/dynamodb${query}`, { method });
    expect(answer.status).toBe(200);
    return (await answer.json()) as FrontReport;
  };
  afterAll(async () => {
    await report('POST', '?heat=off');
    ddb.destroy();
  });

  it('cancels overlapping transactions on one item with TransactionConflict, writing nothing of them, and counts them', async () => {
    const key = { pk: { S: `FRONT#${tag}` }, sk: { S: 'COUNTER' } };
    await ddb.send(new PutItemCommand({ TableName: catalog, Item: { ...key, n: { N: '0' } } }));
    const before = (await report()).conflicts.transactWrites;
    const attempts = 60;
    const outcomes = await Promise.all(
      Array.from({ length: attempts }, (_, i) =>
        ddb
          .send(
            new TransactWriteItemsCommand({
              TransactItems: [
                { Put: { TableName: catalog, Item: { pk: { S: `FRONT#${tag}#${i}` }, sk: { S: 'SIDE' } } } },
                { Update: { TableName: catalog, Key: key, UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': { N: '1' } } } },
              ],
            }),
          )
          .then(
            () => 'written',
            (error: unknown) => {
              if (!(error instanceof TransactionCanceledException)) throw error;
              expect(error.CancellationReasons?.map((r) => r.Code)).toEqual(['None', 'TransactionConflict']);
              expect(error.CancellationReasons?.[1]?.Message).toBe('Transaction is ongoing for the item');
              return 'conflict';
            },
          ),
      ),
    );
    const written = outcomes.filter((o) => o === 'written').length;
    const conflicts = outcomes.length - written;
    expect(written).toBeGreaterThan(0);
    expect(conflicts).toBeGreaterThan(0);
    const item = await ddb.send(new GetItemCommand({ TableName: catalog, Key: key, ConsistentRead: true }));
    expect(item.Item?.n?.N).toBe(String(written));
    // A cancelled transaction wrote none of its items, the side item included.
    const sides = await Promise.all(
      outcomes.map((_, i) => ddb.send(new GetItemCommand({ TableName: catalog, Key: { pk: { S: `FRONT#${tag}#${i}` }, sk: { S: 'SIDE' } } }))),
    );
    expect(sides.filter((s) => s.Item).length).toBe(written);
    expect((await report()).conflicts.transactWrites - before).toBeGreaterThanOrEqual(conflicts);
  }, 60_000);

  it('refuses a single write on an item of an ongoing transaction with TransactionConflictException', async () => {
    const key = { pk: { S: `FRONT#${tag}#single` }, sk: { S: 'ITEM' } };
    await ddb.send(new PutItemCommand({ TableName: catalog, Item: { ...key, n: { N: '0' } } }));
    // Side puts keep each transaction in work longer, so that a write can arrive while it is.
    const transaction = (round: number, i: number) =>
      ddb
        .send(
          new TransactWriteItemsCommand({
            TransactItems: [
              { Update: { TableName: catalog, Key: key, UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': { N: '1' } } } },
              ...Array.from({ length: 10 }, (_, side) => ({
                Put: { TableName: catalog, Item: { pk: { S: `FRONT#${tag}#single#${round}#${i}#${side}` }, sk: { S: 'SIDE' } } },
              })),
            ],
          }),
        )
        .then(
          () => 'written',
          () => 'cancelled',
        );
    const write = () =>
      ddb.send(new UpdateItemCommand({ TableName: catalog, Key: key, UpdateExpression: 'ADD m :one', ExpressionAttributeValues: { ':one': { N: '1' } } })).then(
        () => 'written',
        (error: unknown) => (error as { name?: string }).name ?? 'unknown',
      );
    // Whether a write lands inside a transaction is up to the scheduler: rounds of overlapping requests, a bounded
    // number of them, until one has.
    const outcomes: string[] = [];
    for (let round = 0; round < 10 && !outcomes.includes('TransactionConflictException'); round += 1) {
      outcomes.push(...(await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? transaction(round, i) : write())))));
    }
    expect(outcomes).toContain('TransactionConflictException');
    expect(new Set(outcomes)).toEqual(new Set(['written', 'cancelled', 'TransactionConflictException']));
    // Every answer counted what it said: n by the written transactions, m by the written single writes.
    const item = await ddb.send(new GetItemCommand({ TableName: catalog, Key: key, ConsistentRead: true }));
    const writtenAt = (parity: number) => outcomes.filter((o, at) => o === 'written' && at % 2 === parity).length;
    expect(item.Item?.n?.N).toBe(String(writtenAt(0)));
    expect(item.Item?.m?.N ?? '0').toBe(String(writtenAt(1)));
  }, 60_000);

  it('honours ClientRequestToken: a repeated transaction is carried out once, a changed one with the same token is refused', async () => {
    const key = { pk: { S: `FRONT#${tag}#token` }, sk: { S: 'ITEM' } };
    const token = `token-${tag}`;
    const add = (n: string) =>
      new TransactWriteItemsCommand({
        ClientRequestToken: token,
        TransactItems: [{ Update: { TableName: catalog, Key: key, UpdateExpression: 'ADD n :n', ExpressionAttributeValues: { ':n': { N: n } } } }],
      });
    await ddb.send(add('1'));
    await ddb.send(add('1'));
    await expect(ddb.send(add('2'))).rejects.toMatchObject({ name: 'IdempotentParameterMismatchException' });
    const item = await ddb.send(new GetItemCommand({ TableName: catalog, Key: key, ConsistentRead: true }));
    expect(item.Item?.n?.N).toBe('1');
  });

  it('records capacity per partition key of the table and its indexes while asked to', async () => {
    await report('POST', '?heat=on');
    const partition = `HEAT#${tag}`;
    const items = Array.from({ length: 3 }, (_, i) => ({
      pk: { S: `${partition}#${i}` },
      sk: { S: 'ITEM' },
      gsi1pk: { S: partition },
      gsi1sk: { S: String(i) },
      blob: { S: 'x'.repeat(1500) },
    }));
    for (const Item of items) await ddb.send(new PutItemCommand({ TableName: catalog, Item }));
    await ddb.send(
      new UpdateItemCommand({
        TableName: catalog,
        Key: { pk: items[0]?.pk as { S: string }, sk: { S: 'ITEM' } },
        UpdateExpression: 'SET gsi1pk = :moved',
        ExpressionAttributeValues: { ':moved': { S: `${partition}#moved` } },
      }),
    );
    await ddb.send(
      new QueryCommand({
        TableName: catalog,
        IndexName: 'byStatus',
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': { S: partition } },
      }),
    );
    const heat = (await report()).partitions;
    const use = (index: string | undefined, key: string) => heat.find((p) => p.index === index && p.partitionKey === key);
    // Each 1.5 KB put: 2 WCU on its own table partition and 2 on the index partition they share.
    expect(use(undefined, `${partition}#1`)).toMatchObject({ writeUnits: 2, writes: 1 });
    // Two puts stayed, one moved away (a delete from it), then a query read the two that stayed (~3 KB, eventually consistent).
    expect(use('byStatus', partition)).toMatchObject({ writeUnits: 2 * 3 + 2, writes: 4, readUnits: 0.5, reads: 1 });
    expect(use('byStatus', `${partition}#moved`)).toMatchObject({ writeUnits: 2, writes: 1 });
    await report('POST', '?heat=reset');
    expect((await report()).partitions.find((p) => p.partitionKey.startsWith(partition))).toBeUndefined();
  });
});

describe('the functions’ DynamoDB client under transaction conflicts', () => {
  const endpoints = testEndpoints();
  const catalog = tableNamed(endpoints, 'CatalogTable');
  const tag = randomBytes(4).toString('hex');

  it('retries a transaction that lost to a concurrent one with its own backoff, so fewer conflicts reach the caller than DynamoDB answered', async () => {
    // As functions/wiring builds it: the SDK's 3 attempts, conflicts retried like throttling.
    const ddb = dynamoDbClient(endpoints);
    const plain = dynamoDbClient(endpoints, { maxAttempts: 3, conflictRetry: false });
    const key = { pk: { S: `FRONT#${tag}#retried` }, sk: { S: 'COUNTER' } };
    const add = (client: typeof ddb) =>
      client
        .send(
          new TransactWriteItemsCommand({
            TransactItems: [{ Update: { TableName: catalog, Key: key, UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': { N: '1' } } } }],
          }),
        )
        .then(
          (out) => ({ ok: true, attempts: out.$metadata.attempts ?? 1 }),
          (error: unknown) => ({ ok: false, attempts: (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1 }),
        );
    try {
      const retried = await Promise.all(Array.from({ length: 40 }, () => add(ddb)));
      const unretried = await Promise.all(Array.from({ length: 40 }, () => add(plain)));
      // Without the middleware the SDK gives a cancelled transaction up at once; with it, some succeed on a later attempt.
      expect(unretried.every((r) => r.attempts === 1)).toBe(true);
      expect(retried.some((r) => r.ok && r.attempts > 1)).toBe(true);
      expect(retried.filter((r) => r.ok).length).toBeGreaterThan(unretried.filter((r) => r.ok).length);
      const item = await ddb.send(new GetItemCommand({ TableName: catalog, Key: key, ConsistentRead: true }));
      expect(Number(item.Item?.n?.N)).toBe([...retried, ...unretried].filter((r) => r.ok).length);
    } finally {
      ddb.destroy();
      plain.destroy();
    }
  }, 60_000);

  it('tells contention from an answer: only conflicts alone are worth retrying', () => {
    const cancelled = (codes: string[]) =>
      new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });
    expect(lostToConcurrentWrite(cancelled(['None', 'TransactionConflict']))).toBe(true);
    expect(lostToConcurrentWrite(cancelled(['ConditionalCheckFailed', 'TransactionConflict']))).toBe(false);
    expect(lostToConcurrentWrite(cancelled(['ConditionalCheckFailed', 'None']))).toBe(false);
    expect(lostToConcurrentWrite(Object.assign(new Error('ongoing'), { name: 'TransactionConflictException' }))).toBe(true);
    expect(lostToConcurrentWrite(new Error('other'))).toBe(false);
  });
});
