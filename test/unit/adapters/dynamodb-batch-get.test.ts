import type { BatchGetItemCommand, BatchGetItemCommandOutput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { batchGetItems, UnprocessedKeysError } from '../../../shared/adapters/dynamodb-batch-get';

const TABLE = 'catalog';
const key = (i: number) => ({ pk: `SKU#${i}`, sk: 'SKU' });

/**
 * A stand-in DynamoDB client answering BatchGetItem from `items` (by pk). `unprocessed(request)` says how many of the
 * keys of the request (numbered from 0) to leave unprocessed, as a throttled table does. Each request is recorded
 * with the fake clock's time.
 */
function dynamodb(items: number, unprocessed: (request: number) => number = () => 0) {
  const requests: Array<{ input: BatchGetItemCommand['input']; at: number }> = [];
  const client = {
    send: async (command: BatchGetItemCommand): Promise<Partial<BatchGetItemCommandOutput>> => {
      const n = requests.push({ input: command.input, at: Date.now() }) - 1;
      const keys = command.input.RequestItems?.[TABLE]?.Keys ?? [];
      const left = Math.min(unprocessed(n), keys.length);
      const served = keys.slice(left).filter((k) => Number(String(unmarshall(k).pk).slice(4)) < items);
      return {
        Responses: { [TABLE]: served.map((k) => marshall({ ...unmarshall(k), n: Number(String(unmarshall(k).pk).slice(4)) })) },
        UnprocessedKeys: left > 0 ? { [TABLE]: { Keys: keys.slice(0, left), ConsistentRead: true } } : {},
      };
    },
  } as unknown as DynamoDBClient;
  const keysOf = (i: number) => (requests[i]?.input.RequestItems?.[TABLE]?.Keys ?? []).map((k) => String(unmarshall(k).pk));
  return { client, requests, keysOf };
}

describe('batchGetItems', () => {
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('reads in requests of at most 100 distinct keys, strongly consistent, projecting what it is asked for', async () => {
    const { client, requests } = dynamodb(240);
    const keys = [...Array.from({ length: 250 }, (_, i) => key(i)), key(3), key(3)];
    const items = await batchGetItems(client, TABLE, keys, { projection: ['sku', 'name'] });
    expect(requests.map((r) => r.input.RequestItems?.[TABLE]?.Keys?.length)).toEqual([100, 100, 50]);
    expect(items.map((i) => i.n).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 240 }, (_, i) => i));
    expect(requests[0]?.input.RequestItems?.[TABLE]).toMatchObject({
      ConsistentRead: true,
      // Aliased: `name` is a reserved word.
      ProjectionExpression: '#p0, #p1',
      ExpressionAttributeNames: { '#p0': 'sku', '#p1': 'name' },
    });
  });

  it('asks again for only the unprocessed keys, after exponentially growing waits with full jitter', async () => {
    jest.useFakeTimers({ now: 0 });
    // Full jitter draws each wait from [0, cap); the top of the range makes the caps visible: 39, 79 ms.
    jest.spyOn(Math, 'random').mockReturnValue(0.999);
    const { client, requests, keysOf } = dynamodb(10, (n) => [6, 2][n] ?? 0);
    const read = batchGetItems(
      client,
      TABLE,
      Array.from({ length: 10 }, (_, i) => key(i)),
      { retry: { initialDelay: 40, maxDelay: 1_000 } },
    );

    await jest.advanceTimersByTimeAsync(38);
    expect(requests).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(requests).toHaveLength(2);
    expect(keysOf(1)).toEqual(['SKU#0', 'SKU#1', 'SKU#2', 'SKU#3', 'SKU#4', 'SKU#5']);
    await jest.advanceTimersByTimeAsync(78);
    expect(requests).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(keysOf(2)).toEqual(['SKU#0', 'SKU#1']);

    expect((await read).map((i) => i.n).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(requests.map((r) => r.at)).toEqual([0, 39, 118]);
  });

  it('waits no longer than maxDelay, however many attempts it takes', async () => {
    jest.useFakeTimers({ now: 0 });
    jest.spyOn(Math, 'random').mockReturnValue(0.999);
    const { client, requests } = dynamodb(1, (n) => (n < 5 ? 1 : 0));
    const read = batchGetItems(client, TABLE, [key(0)], { retry: { maxAttempts: 6, initialDelay: 40, maxDelay: 100 } });
    await jest.advanceTimersByTimeAsync(1_000);
    await expect(read).resolves.toHaveLength(1);
    expect(requests.map((r) => r.at)).toEqual([0, 39, 118, 217, 316, 415]);
  });

  it('gives up after maxAttempts requests (5 by default) with an error naming the table and what was left', async () => {
    // A jitter of 0 waits not at all: the bound is on attempts, not time.
    jest.spyOn(Math, 'random').mockReturnValue(0);
    const { client, requests, keysOf } = dynamodb(3, () => 2);
    const read = batchGetItems(client, TABLE, [key(0), key(1), key(2)]);
    await expect(read).rejects.toThrow(new UnprocessedKeysError(TABLE, 2, 5));
    await expect(read).rejects.toThrow('BatchGetItem left 2 key(s) of catalog unprocessed after 5 attempts');
    expect(requests).toHaveLength(5);
    expect(keysOf(4)).toEqual(['SKU#0', 'SKU#1']);
  });

  it('does not retry an error the SDK throws (it has retried already)', async () => {
    const client = { send: jest.fn().mockRejectedValue(new Error('ProvisionedThroughputExceededException')) } as unknown as DynamoDBClient;
    await expect(batchGetItems(client, TABLE, [key(0)])).rejects.toThrow('ProvisionedThroughputExceededException');
    expect(client.send).toHaveBeenCalledTimes(1);
  });

  it('sends nothing for no keys', async () => {
    const { client, requests } = dynamodb(0);
    await expect(batchGetItems(client, TABLE, [])).resolves.toEqual([]);
    expect(requests).toHaveLength(0);
  });
});
