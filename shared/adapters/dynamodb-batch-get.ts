import { type AttributeValue, BatchGetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { ExponentialBackoff, fullJitterGenerator, handleWhenResult, retry } from 'cockatiel';

/** DynamoDB's limit of keys in one BatchGetItem request. */
export const MAX_KEYS_PER_BATCH_GET = 100;

/** How often and how patiently keys DynamoDB leaves unprocessed are asked for again. */
export interface BatchGetRetry {
  /** Requests for one chunk of keys in all, the first included. @default 5 */
  readonly maxAttempts: number;
  /** The first wait's upper bound in milliseconds; each later one doubles it. @default 50 */
  readonly initialDelay: number;
  /** The most any wait's upper bound grows to, in milliseconds. @default 1000 */
  readonly maxDelay: number;
}

const DEFAULT_RETRY: BatchGetRetry = { maxAttempts: 5, initialDelay: 50, maxDelay: 1_000 };

export interface BatchGetOptions {
  /** The attributes to read (all of them when left out). */
  readonly projection?: readonly string[];
  readonly retry?: Partial<BatchGetRetry>;
}

/** Keys DynamoDB still left unprocessed after the last attempt allowed (the table is throttled or the read too big). */
export class UnprocessedKeysError extends Error {
  // Set explicitly: bundles are minified, so class names do not survive.
  override readonly name = 'UnprocessedKeysError';

  constructor(
    readonly tableName: string,
    readonly unprocessed: number,
    readonly attempts: number,
  ) {
    super(`BatchGetItem left ${unprocessed} key(s) of ${tableName} unprocessed after ${attempts} attempts`);
  }
}

/**
 * The items of `tableName` at `keys` (plain key objects, marshalled here), read strongly consistently; a key with no
 * item is left out, and the items come in no particular order. The keys are de-duplicated (DynamoDB refuses a
 * request naming a key twice) and asked for in chunks of 100. Keys DynamoDB leaves unprocessed (throttling, or a
 * response past 16 MB) are asked for again after an exponential backoff with full jitter (a wait drawn from
 * [0, initialDelay × 2^n), as AWS advises for BatchGetItem), at most `maxAttempts` requests a chunk; keys left after
 * that fail the read with an UnprocessedKeysError. Errors the SDK throws (after its own retries) are not retried.
 */
export async function batchGetItems(
  client: DynamoDBClient,
  tableName: string,
  keys: ReadonlyArray<Record<string, unknown>>,
  options: BatchGetOptions = {},
): Promise<Array<Record<string, unknown>>> {
  const settings = { ...DEFAULT_RETRY, ...options.retry };
  const policy = retry(
    handleWhenResult((left) => (left as AttributeValueMap[]).length > 0),
    {
      maxAttempts: settings.maxAttempts - 1,
      backoff: new ExponentialBackoff({ generator: fullJitterGenerator, initialDelay: settings.initialDelay, maxDelay: settings.maxDelay }),
    },
  );
  const projection = projectionOf(options.projection);
  const items: Array<Record<string, unknown>> = [];
  for (const chunk of chunks(distinct(keys.map((k) => marshall(k))), MAX_KEYS_PER_BATCH_GET)) {
    let pending = chunk;
    const left = await policy.execute(async () => {
      const out = await client.send(new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true, ...projection } } }));
      items.push(...(out.Responses?.[tableName] ?? []).map((item) => unmarshall(item)));
      pending = out.UnprocessedKeys?.[tableName]?.Keys ?? [];
      return pending;
    });
    if (left.length > 0) throw new UnprocessedKeysError(tableName, left.length, settings.maxAttempts);
  }
  return items;
}

type AttributeValueMap = Record<string, AttributeValue>;

/** ProjectionExpression with every name aliased, so reserved words (`name`, `status`…) can be read. */
function projectionOf(attributes: readonly string[] | undefined) {
  if (!attributes?.length) return {};
  return {
    ProjectionExpression: attributes.map((_, i) => `#p${i}`).join(', '),
    ExpressionAttributeNames: Object.fromEntries(attributes.map((a, i) => [`#p${i}`, a])),
  };
}

function distinct(keys: AttributeValueMap[]): AttributeValueMap[] {
  return [...new Map(keys.map((k) => [JSON.stringify(Object.entries(k).sort(([a], [b]) => a.localeCompare(b))), k])).values()];
}

function chunks<T>(all: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(all.length / size) }, (_, i) => all.slice(i * size, (i + 1) * size));
}
