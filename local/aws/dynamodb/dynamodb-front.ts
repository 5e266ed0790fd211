import { randomUUID } from 'node:crypto';
import { type AttributeValue as SdkAttributeValue, DescribeTableCommand, type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { Interceptor, ProxiedAnswer, ProxiedRequest } from '../iam/authorizing-proxy';
import { operationOf } from '../iam/request-mapping';
import { ItemLocks } from './item-locks';
import { type Images, PartitionHeat } from './partition-heat';
import { type AttributeValue, type Item, type KeySchema, type TableSchema, tablesNamed, type TouchedItem, touchedItems } from './request-items';

/** Requests that touch items or partitions; everything else (CreateTable, DescribeTable...) passes untouched. */
const DATA_OPERATIONS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactWriteItems',
  'TransactGetItems',
]);

/** What DynamoDB says when an item is part of an ongoing transaction. */
const ONGOING = 'Transaction is ongoing for the item';

export interface DynamoDbFrontOptions {
  /** Cancel what DynamoDB would cancel with TransactionConflict. @default true */
  readonly conflicts?: boolean;
  /** Record capacity per partition from the start. @default false */
  readonly heat?: boolean;
}

/** Requests refused because an item was part of an ongoing transaction or write. */
export interface ConflictCounts {
  /** TransactWriteItems cancelled with TransactionConflict. */
  transactWrites: number;
  /** PutItem/UpdateItem/DeleteItem refused with TransactionConflictException. */
  writes: number;
  /** TransactGetItems cancelled with TransactionConflict. */
  transactGets: number;
}

/** The tables' key schemas: from the template at provisioning, else asked of DynamoDB Local once. */
export class TableSchemas {
  private readonly schemas = new Map<string, TableSchema>();

  constructor(private readonly client: () => DynamoDBClient) {}

  readonly of = (table: string): TableSchema | undefined => this.schemas.get(table);

  set(table: string, schema: TableSchema): void {
    this.schemas.set(table, schema);
  }

  forget(table: string): void {
    this.schemas.delete(table);
  }

  async load(tables: readonly string[]): Promise<void> {
    await Promise.all(
      tables
        .filter((t) => !this.schemas.has(t))
        .map(async (table) => {
          try {
            const { Table } = await this.client().send(new DescribeTableCommand({ TableName: table }));
            if (!Table?.KeySchema) return;
            this.schemas.set(
              table,
              schemaOf(
                Table.KeySchema,
                [...(Table.GlobalSecondaryIndexes ?? []), ...(Table.LocalSecondaryIndexes ?? [])].map((i) => ({
                  IndexName: i.IndexName,
                  KeySchema: i.KeySchema,
                  Projection: i.Projection,
                })),
              ),
            );
          } catch {
            // No such table: DynamoDB Local answers the request itself with ResourceNotFoundException.
          }
        }),
    );
  }
}

type KeySchemaElements = ReadonlyArray<{ AttributeName?: string; KeyType?: string }> | undefined;

/** A TableSchema from CreateTable/DescribeTable's KeySchema lists. */
export function schemaOf(
  key: KeySchemaElements,
  indexes: ReadonlyArray<{ IndexName?: string; KeySchema?: KeySchemaElements; Projection?: { ProjectionType?: string } }> = [],
): TableSchema {
  const keySchema = (elements: KeySchemaElements): KeySchema => {
    const hash = elements?.find((e) => e.KeyType === 'HASH')?.AttributeName ?? '';
    const range = elements?.find((e) => e.KeyType === 'RANGE')?.AttributeName;
    return range ? { hash, range } : { hash };
  };
  return {
    key: keySchema(key),
    indexes: Object.fromEntries(
      indexes
        .filter((i) => i.IndexName)
        .map((i) => [i.IndexName as string, { ...keySchema(i.KeySchema), ...(i.Projection?.ProjectionType === 'KEYS_ONLY' ? { keysOnly: true } : {}) }]),
    ),
  };
}

/**
 * What stands between the functions and DynamoDB Local, beyond IAM: DynamoDB's transaction conflicts (item-locks.ts),
 * which DynamoDB Local never reports because it runs one request at a time, and the capacity each partition
 * serves (partition-heat.ts), for benchmarks. ClientRequestToken idempotency needs nothing here: DynamoDB Local
 * honours it (test/integration/dynamodb-front.test.ts).
 */
export class DynamoDbFront {
  readonly heat = new PartitionHeat();
  readonly conflicts: ConflictCounts = { transactWrites: 0, writes: 0, transactGets: 0 };
  /** Whether capacity is being recorded: each write then costs two extra reads of its item, for its images. */
  recordingHeat: boolean;
  private readonly locks = new ItemLocks();
  private readonly conflictsOn: boolean;

  constructor(
    readonly schemas: TableSchemas,
    private readonly direct: () => DynamoDBClient,
    options: DynamoDbFrontOptions = {},
  ) {
    this.conflictsOn = options.conflicts ?? true;
    this.recordingHeat = options.heat ?? false;
  }

  readonly intercept: Interceptor = async (request, forward) => {
    const operation = operationOf(headerText(request, 'x-amz-target'));
    if (operation === 'DeleteTable') {
      const answer = await forward();
      const table = parseBody(request)?.TableName;
      if (typeof table === 'string') this.schemas.forget(table);
      return answer;
    }
    const body = DATA_OPERATIONS.has(operation) ? parseBody(request) : undefined;
    if (!body) return forward();
    let items: TouchedItem[];
    try {
      await this.schemas.load(tablesNamed(operation, body));
      items = touchedItems(operation, body, this.schemas.of);
    } catch {
      // A request of a shape DynamoDB refuses: DynamoDB Local answers it (ValidationException), untouched.
      return forward();
    }
    const held = this.conflictsOn ? items.filter((i): i is TouchedItem & { access: NonNullable<TouchedItem['access']> } => i.access !== undefined) : [];
    const acquired = this.locks.acquire(held.map((i) => ({ id: i.id, access: i.access })));
    if (!acquired.ok) return this.refuse(operation, body, held, acquired.conflicting);
    try {
      if (!this.recordingHeat) return await forward();
      const writes = items.filter((i) => i.operation !== 'get');
      const before = await this.images(writes);
      const answer = await forward();
      const succeeded = answer.status === 200;
      const after = succeeded ? await this.imagesAfter(writes) : before;
      const parsed = operation === 'Query' || operation === 'Scan' || items.some((i) => i.operation === 'get') ? parseJson(answer.body) : undefined;
      this.heat.record({ operation, body, items, succeeded, ...(parsed ? { answer: parsed } : {}), before, after }, this.schemas.of);
      return answer;
    } finally {
      acquired.release();
    }
  };

  /** The conflict counts and the heat recorded so far. */
  report(): { conflicts: ConflictCounts; recordingHeat: boolean } & ReturnType<PartitionHeat['report']> {
    return { conflicts: { ...this.conflicts }, recordingHeat: this.recordingHeat, ...this.heat.report() };
  }

  /** DynamoDB's answer to a request that touched an item of an ongoing transaction or write. */
  private refuse(operation: string, body: Record<string, unknown>, held: readonly TouchedItem[], conflicting: ReadonlySet<number>): ProxiedAnswer {
    if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
      if (operation === 'TransactWriteItems') this.conflicts.transactWrites += 1;
      else this.conflicts.transactGets += 1;
      const positions = new Set([...conflicting].map((i) => held[i]?.position));
      const reasons = ((body.TransactItems ?? []) as unknown[]).map((_, at) =>
        positions.has(at) ? { Code: 'TransactionConflict', Message: ONGOING } : { Code: 'None' },
      );
      return awsError('TransactionCanceledException', {
        Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
        CancellationReasons: reasons,
      });
    }
    this.conflicts.writes += 1;
    return awsError('TransactionConflictException', { message: ONGOING });
  }

  private async images(items: readonly TouchedItem[]): Promise<Images> {
    const entries = await Promise.all(items.map(async (i) => [i.id, await this.read(i)] as const));
    return new Map(entries);
  }

  /** After a write: a put's item is what it wrote, a delete leaves nothing, anything else is read back. */
  private async imagesAfter(items: readonly TouchedItem[]): Promise<Images> {
    const entries = await Promise.all(
      items.map(async (i) => [i.id, i.operation === 'put' ? i.item : i.operation === 'delete' ? undefined : await this.read(i)] as const),
    );
    return new Map(entries);
  }

  private async read(item: TouchedItem): Promise<Item | undefined> {
    const { Item: found } = await this.direct().send(
      new GetItemCommand({ TableName: item.table, Key: item.key as Record<string, SdkAttributeValue>, ConsistentRead: true }),
    );
    return found ? wireItem(found) : undefined;
  }
}

/** An SDK item in DynamoDB's wire form: binary values back to base64. */
function wireItem(item: Record<string, SdkAttributeValue>): Item {
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, wireValue(value)]));
}

function wireValue(value: SdkAttributeValue): AttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.L !== undefined) return { L: value.L.map(wireValue) };
  if (value.M !== undefined) return { M: wireItem(value.M) };
  return value as AttributeValue;
}

function headerText(request: ProxiedRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseJson(body: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function parseBody(request: ProxiedRequest): Record<string, unknown> | undefined {
  return parseJson(request.body);
}

/** An error in DynamoDB's JSON 1.0 shape, HTTP 400 as DynamoDB answers these. */
function awsError(type: string, fields: Record<string, unknown>): ProxiedAnswer {
  const body = Buffer.from(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, ...fields }));
  return { status: 400, headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() }, body };
}
