import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbFront, schemaOf, TableSchemas } from '../../../local/aws/dynamodb/dynamodb-front';
import { ItemLocks } from '../../../local/aws/dynamodb/item-locks';
import { PartitionHeat, readUnits, writeUnits } from '../../../local/aws/dynamodb/partition-heat';
import { itemSize, queryKey, type TableSchema, touchedItems } from '../../../local/aws/dynamodb/request-items';
import type { ProxiedAnswer, ProxiedRequest } from '../../../local/aws/iam/authorizing-proxy';

const catalog: TableSchema = schemaOf(
  [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  [
    {
      IndexName: 'byStatus',
      KeySchema: [
        { AttributeName: 'gsi1pk', KeyType: 'HASH' },
        { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
      ],
    },
  ],
);
const schemas = (table: string) => (table === 'Catalog' ? catalog : undefined);
const key = (pk: string) => ({ pk: { S: pk }, sk: { S: 'SKU' } });
const update = (pk: string) => ({
  Update: { TableName: 'Catalog', Key: key(pk), UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': { N: '1' } } },
});

describe('item locks (DynamoDB transaction conflicts)', () => {
  it('cancels a transaction that touches an item an ongoing transaction holds, naming only that item', () => {
    const locks = new ItemLocks();
    const first = locks.acquire([{ id: 'a', access: 'transact-write' }]);
    expect(first.ok).toBe(true);
    const second = locks.acquire([
      { id: 'b', access: 'transact-write' },
      { id: 'a', access: 'transact-write' },
    ]);
    expect(second).toEqual({ ok: false, conflicting: new Set([1]) });
    // Nothing of a refused request is held: b is free.
    expect(locks.acquire([{ id: 'b', access: 'transact-write' }]).ok).toBe(true);
  });

  it('refuses a single write on an item of an ongoing transaction, but not on one another single write holds', () => {
    const locks = new ItemLocks();
    const write = locks.acquire([{ id: 'a', access: 'write' }]);
    expect(locks.acquire([{ id: 'a', access: 'write' }]).ok).toBe(true);
    expect(locks.acquire([{ id: 'a', access: 'transact-write' }]).ok).toBe(false);
    expect(locks.acquire([{ id: 'a', access: 'transact-get' }]).ok).toBe(false);
    if (write.ok) write.release();
  });

  it('lets a transactional read run beside a single write once that write has answered, and frees items on release', () => {
    const locks = new ItemLocks();
    const tx = locks.acquire([{ id: 'a', access: 'transact-write' }]);
    expect(locks.acquire([{ id: 'a', access: 'write' }]).ok).toBe(false);
    if (!tx.ok) throw new Error('expected the first transaction to run');
    tx.release();
    tx.release(); // giving a lease back twice changes nothing
    expect(locks.size).toBe(0);
    const get = locks.acquire([{ id: 'a', access: 'transact-get' }]);
    expect(get.ok).toBe(true);
    // An ongoing transactional read does not stop a write (DynamoDB names no such conflict).
    expect(locks.acquire([{ id: 'a', access: 'write' }]).ok).toBe(true);
  });
});

describe('request items', () => {
  it('names each item of a transaction by table and full key, with its place and access', () => {
    const items = touchedItems(
      'TransactWriteItems',
      {
        TransactItems: [
          { Put: { TableName: 'Catalog', Item: { ...key('HOLD#1'), lines: { L: [] } } } },
          update('SKU#1'),
          { ConditionCheck: { TableName: 'Other', Key: { id: { S: 'x' } } } },
          { Delete: { TableName: 'Catalog', Key: key('SKU#2') } },
        ],
      },
      schemas,
    );
    expect(items.map((i) => [i.operation, i.position, i.access, i.key.pk?.S])).toEqual([
      ['put', 0, 'transact-write', 'HOLD#1'],
      ['update', 1, 'transact-write', 'SKU#1'],
      ['delete', 3, 'transact-write', 'SKU#2'],
    ]);
    expect(new Set(items.map((i) => i.id)).size).toBe(3);
  });

  it('treats a put of a different sort key as a different item, and plain reads as holding nothing', () => {
    const a = touchedItems('PutItem', { TableName: 'Catalog', Item: { pk: { S: 'P' }, sk: { S: '1' } } }, schemas);
    const b = touchedItems('PutItem', { TableName: 'Catalog', Item: { pk: { S: 'P' }, sk: { S: '2' } } }, schemas);
    expect(a[0]?.id).not.toBe(b[0]?.id);
    expect(touchedItems('GetItem', { TableName: 'Catalog', Key: key('P') }, schemas)[0]?.access).toBeUndefined();
    // A key missing its sort key names no item (DynamoDB itself answers ValidationException).
    expect(touchedItems('DeleteItem', { TableName: 'Catalog', Key: { pk: { S: 'P' } } }, schemas)).toEqual([]);
  });

  it('reads the partition a Query names, through attribute names or not', () => {
    expect(
      queryKey(
        {
          KeyConditionExpression: '#p = :v AND begins_with(sk, :s)',
          ExpressionAttributeNames: { '#p': 'gsi1pk' },
          ExpressionAttributeValues: { ':v': { S: 'HOLD#ACTIVE' }, ':s': { S: 'x' } },
        },
        'gsi1pk',
      ),
    ).toEqual({
      gsi1pk: { S: 'HOLD#ACTIVE' },
    });
    expect(queryKey({ KeyConditionExpression: ':v = pk', ExpressionAttributeValues: { ':v': { S: 'A' } } }, 'pk')).toEqual({ pk: { S: 'A' } });
  });

  it('sizes items as DynamoDB does: names and values, numbers by digits, containers with overhead', () => {
    expect(itemSize({ pk: { S: 'abc' } })).toBe(5);
    expect(itemSize({ n: { N: '12345' } })).toBe(1 + 4);
    expect(itemSize({ l: { L: [{ S: 'ab' }, { BOOL: true }] } })).toBe(1 + 3 + (1 + 2) + (1 + 1));
    expect(writeUnits(1024)).toBe(1);
    expect(writeUnits(1025)).toBe(2);
    expect(readUnits(5000, true)).toBe(2);
    expect(readUnits(10, false)).toBe(0.5);
  });
});

describe('partition heat', () => {
  it('charges a transactional update to its table partition twice, and an index key change to both index partitions', () => {
    const heat = new PartitionHeat();
    const body = { TransactItems: [update('HOLD#1')] };
    const items = touchedItems('TransactWriteItems', body, schemas);
    const id = items[0]?.id as string;
    const before = { ...key('HOLD#1'), gsi1pk: { S: 'HOLD#ACTIVE' }, gsi1sk: { S: 't1' } };
    const after = { ...key('HOLD#1'), gsi1pk: { S: 'HOLD#DONE' }, gsi1sk: { S: 't1' } };
    heat.record({ operation: 'TransactWriteItems', body, items, succeeded: true, before: new Map([[id, before]]), after: new Map([[id, after]]) }, schemas);
    const uses = heat.report().partitions.map((p) => [p.index ?? '-', p.partitionKey, p.writeUnits, p.writes]);
    expect(uses).toEqual([
      ['-', 'HOLD#1', 2, 1],
      ['byStatus', 'HOLD#ACTIVE', 1, 1],
      ['byStatus', 'HOLD#DONE', 1, 1],
    ]);
  });

  it('charges a KEYS_ONLY index only when its keys move, and only for the keys, whatever the item weighs', () => {
    const keysOnly = schemaOf(
      [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      [
        {
          IndexName: 'byStatus',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    );
    const orders = (table: string) => (table === 'Catalog' ? keysOnly : undefined);
    const heat = new PartitionHeat();
    const heavy = { S: 'x'.repeat(3000) };
    const write = (pk: string, before: Record<string, unknown>, after: Record<string, unknown>) => {
      const body = { TransactItems: [update(pk)] };
      const items = touchedItems('TransactWriteItems', body, orders);
      const id = items[0]?.id as string;
      heat.record(
        { operation: 'TransactWriteItems', body, items, succeeded: true, before: new Map([[id, before]]), after: new Map([[id, after]]) } as never,
        orders,
      );
    };
    // An update that leaves the index keys alone: the heavy item's table write, nothing in the index.
    write(
      'ORDER#1',
      { ...key('ORDER#1'), gsi1pk: { S: 'STATUS#A' }, gsi1sk: { S: 't' }, blob: heavy },
      { ...key('ORDER#1'), gsi1pk: { S: 'STATUS#A' }, gsi1sk: { S: 't' }, blob: heavy, n: { N: '1' } },
    );
    // A status change: both index partitions charged one unit each (the keys weigh well under 1 KB).
    write(
      'ORDER#2',
      { ...key('ORDER#2'), gsi1pk: { S: 'STATUS#A' }, gsi1sk: { S: 't' }, blob: heavy },
      { ...key('ORDER#2'), gsi1pk: { S: 'STATUS#B' }, gsi1sk: { S: 't' }, blob: heavy },
    );
    const uses = heat.report().partitions.map((p) => [p.index ?? '-', p.partitionKey, p.writeUnits]);
    expect(uses).toEqual([
      ['-', 'ORDER#1', 2 * 3],
      ['-', 'ORDER#2', 2 * 3],
      ['byStatus', 'STATUS#A', 1],
      ['byStatus', 'STATUS#B', 1],
    ]);
  });

  it('charges a failed write its table write only, and a Query the items it scanned on the partition it named', () => {
    const heat = new PartitionHeat();
    const body = { TableName: 'Catalog', Key: key('SKU#1'), ConditionExpression: 'available >= :q' };
    const items = touchedItems('UpdateItem', body, schemas);
    const image = { ...key('SKU#1'), gsi1pk: { S: 'STATUS#ACTIVE' }, gsi1sk: { S: 'x' } };
    heat.record({ operation: 'UpdateItem', body, items, succeeded: false, before: new Map([[items[0]?.id as string, image]]), after: new Map() }, schemas);
    const query = {
      TableName: 'Catalog',
      IndexName: 'byStatus',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': { S: 'STATUS#ACTIVE' } },
    };
    const found = Array.from({ length: 3 }, () => ({ ...image, blob: { S: 'x'.repeat(2000) } }));
    heat.record(
      { operation: 'Query', body: query, items: [], succeeded: true, answer: { Items: found, Count: 3, ScannedCount: 6 }, before: new Map(), after: new Map() },
      schemas,
    );
    const byKey = Object.fromEntries(heat.report().partitions.map((p) => [`${p.index ?? '-'} ${p.partitionKey}`, p]));
    expect(byKey['- SKU#1']).toMatchObject({ writeUnits: 1, writes: 1 });
    expect(Object.keys(byKey)).toHaveLength(2);
    // Six items of 2,042 bytes read (three filtered out), eventually consistent on an index: ceil(12,252 / 4,096) / 2.
    expect(itemSize(found[0])).toBe(2042);
    expect(byKey['byStatus STATUS#ACTIVE']).toMatchObject({ readUnits: 1.5, reads: 1 });
    heat.reset();
    expect(heat.report().partitions).toEqual([]);
  });
});

describe('DynamoDB front', () => {
  /** An upstream that answers only when told, so requests overlap exactly as the test says. */
  function gatedUpstream() {
    const waiting: Array<() => void> = [];
    const forward = () => new Promise<ProxiedAnswer>((resolve) => waiting.push(() => resolve({ status: 200, headers: {}, body: Buffer.from('{}') })));
    const answerAll = async () => {
      // The front reaches the upstream after a turn of the event loop (its table schemas are looked up first).
      await new Promise((resolve) => setImmediate(resolve));
      for (const answer of waiting.splice(0)) answer();
    };
    return { forward, answerAll };
  }
  const noClient = () => {
    throw new Error('no DynamoDB Local in a unit test');
  };
  const front = () => {
    const tables = new TableSchemas(noClient as unknown as () => DynamoDBClient);
    tables.set('Catalog', catalog);
    return new DynamoDbFront(tables, noClient as unknown as () => DynamoDBClient);
  };
  const request = (op: string, body: unknown): ProxiedRequest => ({
    method: 'POST',
    path: '/',
    headers: { 'x-amz-target': `DynamoDB_20120810.${op}` },
    body: Buffer.from(JSON.stringify(body)),
  });
  const json = (answer: ProxiedAnswer) => JSON.parse(answer.body.toString()) as Record<string, unknown>;

  it("answers DynamoDB's TransactionCanceledException, reason per item, while another transaction holds an item", async () => {
    const f = front();
    const upstream = gatedUpstream();
    const first = f.intercept(request('TransactWriteItems', { TransactItems: [update('SKU#1')] }), upstream.forward);
    await new Promise((resolve) => setImmediate(resolve));
    const second = await f.intercept(request('TransactWriteItems', { TransactItems: [update('SKU#2'), update('SKU#1')] }), upstream.forward);
    expect(second.status).toBe(400);
    expect(json(second)).toEqual({
      __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
      Message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict]',
      CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }],
    });
    const single = await f.intercept(request('PutItem', { TableName: 'Catalog', Item: key('SKU#1') }), upstream.forward);
    expect(json(single)).toEqual({ __type: 'com.amazonaws.dynamodb.v20120810#TransactionConflictException', message: 'Transaction is ongoing for the item' });
    await upstream.answerAll();
    expect((await first).status).toBe(200);
    expect(f.report().conflicts).toEqual({ transactWrites: 1, writes: 1, transactGets: 0 });
    // Once the first has answered, the same transaction goes through.
    const again = f.intercept(request('TransactWriteItems', { TransactItems: [update('SKU#1')] }), upstream.forward);
    await upstream.answerAll();
    expect((await again).status).toBe(200);
  });

  it('lets plain reads and requests on other items through while a transaction runs, and can be turned off', async () => {
    const f = front();
    const upstream = gatedUpstream();
    const tx = f.intercept(request('TransactWriteItems', { TransactItems: [update('SKU#1')] }), upstream.forward);
    await new Promise((resolve) => setImmediate(resolve));
    const reads = [
      f.intercept(request('GetItem', { TableName: 'Catalog', Key: key('SKU#1') }), upstream.forward),
      f.intercept(request('PutItem', { TableName: 'Catalog', Item: key('SKU#9') }), upstream.forward),
    ];
    await upstream.answerAll();
    expect((await Promise.all([tx, ...reads])).map((a) => a.status)).toEqual([200, 200, 200]);

    const tables = new TableSchemas(noClient as unknown as () => DynamoDBClient);
    tables.set('Catalog', catalog);
    const off = new DynamoDbFront(tables, noClient as unknown as () => DynamoDBClient, { conflicts: false });
    const a = off.intercept(request('TransactWriteItems', { TransactItems: [update('SKU#1')] }), upstream.forward);
    const b = off.intercept(request('TransactWriteItems', { TransactItems: [update('SKU#1')] }), upstream.forward);
    await upstream.answerAll();
    expect((await Promise.all([a, b])).map((x) => x.status)).toEqual([200, 200]);
  });
});

describe('DynamoDB front, malformed requests', () => {
  it('leaves a request it cannot read to DynamoDB Local, which refuses it itself', async () => {
    const tables = new TableSchemas((() => {
      throw new Error('no DynamoDB Local in a unit test');
    }) as unknown as () => DynamoDBClient);
    tables.set('Catalog', catalog);
    const front = new DynamoDbFront(tables, (() => undefined) as unknown as () => DynamoDBClient);
    const forwarded: string[] = [];
    const forward = (body: string) => () => {
      forwarded.push(body);
      return Promise.resolve({ status: 400, headers: {}, body: Buffer.from('{"__type":"ValidationException"}') });
    };
    const hostile = [
      { op: 'TransactWriteItems', body: '{"TransactItems":{"length":1}}' },
      { op: 'BatchGetItem', body: '{"RequestItems":{"Catalog":{"Keys":{"pk":{"S":"x"}}}}}' },
      { op: 'PutItem', body: '{"TableName":"Catalog","Item":{"__proto__":{"S":"x"},"pk":null}}' },
      { op: 'UpdateItem', body: 'not json' },
    ];
    for (const { op, body } of hostile) {
      const answer = await front.intercept(
        { method: 'POST', path: '/', headers: { 'x-amz-target': `DynamoDB_20120810.${op}` }, body: Buffer.from(body) },
        forward(body),
      );
      expect(answer.status).toBe(400);
    }
    expect(forwarded).toHaveLength(hostile.length);
  });
});
