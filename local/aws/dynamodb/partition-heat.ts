/**
 * Capacity per partition: every read and write the local DynamoDB serves, charged as DynamoDB charges it, to the
 * partition key (of the table or of an index) it lands on. A benchmark divides these by the orders it drove to get
 * each partition's cost per order, and so the order rate at which the hottest one reaches DynamoDB's per-partition
 * limits (about 1,000 WCU/s and 3,000 RCU/s, base table and each index alike).
 *
 * Units follow the Developer Guide ("Read/write capacity mode"): a write is 1 WCU per started KB of the larger of
 * the item's old and new images, 2 inside a transaction; a strongly consistent read 1 RCU per started 4 KB,
 * eventually consistent half that, transactional double; a Query is charged on the sum of the items it read. An
 * index write is charged on the entry the index keeps: the item's image for an index that projects ALL, its table
 * and index keys for a KEYS_ONLY one (which an update that leaves those keys alone does not write at all); a change of
 * the index key deletes from the old partition and writes to the new one. A write whose condition failed, or a
 * cancelled transaction, still consumes its table write; it changes no index.
 */
import { itemSize, type Item, type KeySchema, keyText, queryKey, type SchemaOf, type TouchedItem } from './request-items';

export interface PartitionUse {
  readonly table: string;
  /** The index, or undefined for the base table. */
  readonly index?: string;
  /** The partition key value ('*' for a Scan, which reads every partition). */
  readonly partitionKey: string;
  readUnits: number;
  writeUnits: number;
  reads: number;
  writes: number;
}

export interface HeatReport {
  /** When recording (re)started. */
  readonly since: string;
  readonly partitions: PartitionUse[];
}

export const writeUnits = (bytes: number): number => Math.max(1, Math.ceil(bytes / 1024));
export const readUnits = (bytes: number, consistent: boolean): number => Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);

/** Items before and after a write, by TouchedItem.id (undefined: no such item). */
export type Images = ReadonlyMap<string, Item | undefined>;

/** One request and what DynamoDB answered, as the front saw them. */
export interface ServedRequest {
  readonly operation: string;
  readonly body: Record<string, unknown>;
  readonly items: readonly TouchedItem[];
  /** Whether DynamoDB carried the request out (HTTP 200). */
  readonly succeeded: boolean;
  readonly answer?: Record<string, unknown>;
  readonly before: Images;
  readonly after: Images;
}

export class PartitionHeat {
  private readonly uses = new Map<string, PartitionUse>();
  private since = new Date().toISOString();

  reset(): void {
    this.uses.clear();
    this.since = new Date().toISOString();
  }

  report(): HeatReport {
    return { since: this.since, partitions: [...this.uses.values()].map((u) => ({ ...u })) };
  }

  /** Charges one served request to the partitions it touched. */
  record(request: ServedRequest, schemaOf: SchemaOf): void {
    const { operation, body, items } = request;
    if (operation === 'Query' || operation === 'Scan') return this.recordQuery(request, schemaOf);
    for (const item of items) {
      const schema = schemaOf(item.table);
      if (!schema) continue;
      const partition = keyText(item.key[schema.key.hash]) ?? '?';
      if (item.operation === 'get') {
        const found = this.readImage(request, item);
        const consistent = item.transactional || body.ConsistentRead === true || consistentInBatch(body, item.table);
        this.charge(item.table, undefined, partition, 'read', readUnits(itemSize(found), consistent) * (item.transactional ? 2 : 1));
        continue;
      }
      const before = request.before.get(item.id);
      const after = request.succeeded ? request.after.get(item.id) : before;
      const factor = item.transactional ? 2 : 1;
      this.charge(item.table, undefined, partition, 'write', writeUnits(Math.max(itemSize(before), itemSize(after))) * factor);
      if (!request.succeeded || item.operation === 'condition-check') continue;
      for (const [index, key] of Object.entries(schema.indexes)) {
        const was = keyText(before?.[key.hash]);
        const is = keyText(after?.[key.hash]);
        const sameEntry = was !== undefined && was === is && (!key.range || keyText(before?.[key.range]) === keyText(after?.[key.range]));
        const entry = (image: Item | undefined) => writeUnits(itemSize(key.keysOnly ? keysOf(image, [schema.key, key]) : image));
        if (sameEntry) {
          if (!key.keysOnly) this.charge(item.table, index, is, 'write', entry(after));
          continue;
        }
        if (was !== undefined && (!key.range || before?.[key.range])) this.charge(item.table, index, was, 'write', entry(before));
        if (is !== undefined && (!key.range || after?.[key.range])) this.charge(item.table, index, is, 'write', entry(after));
      }
    }
  }

  private recordQuery(request: ServedRequest, schemaOf: SchemaOf): void {
    const { body, answer } = request;
    const table = typeof body.TableName === 'string' ? body.TableName : undefined;
    const schema = table ? schemaOf(table) : undefined;
    if (!table || !schema || !request.succeeded) return;
    const index = typeof body.IndexName === 'string' ? body.IndexName : undefined;
    const key = index ? schema.indexes[index] : schema.key;
    const partition = request.operation === 'Scan' ? '*' : (keyText(queryKey(body, key?.hash)?.[key?.hash ?? '']) ?? '?');
    const returned = (answer?.Items ?? []) as Item[];
    const bytes = returned.reduce((sum, i) => sum + itemSize(i), 0);
    // A filter drops items after they were read: charge the scanned ones at the returned ones' mean size.
    const scanned = typeof answer?.ScannedCount === 'number' ? answer.ScannedCount : returned.length;
    const mean = returned.length > 0 ? bytes / returned.length : 0;
    const readBytes = bytes + Math.max(0, scanned - returned.length) * mean;
    this.charge(table, index, partition, 'read', readUnits(readBytes, !index && body.ConsistentRead === true));
  }

  /** The item a get returned: from GetItem's Item, a batch's Responses, or a TransactGetItems' Responses. */
  private readImage(request: ServedRequest, item: TouchedItem): Item | undefined {
    const answer = request.answer;
    if (!answer || !request.succeeded) return undefined;
    if (request.operation === 'GetItem') return answer.Item as Item | undefined;
    if (request.operation === 'TransactGetItems') {
      const position = item.position ?? request.items.indexOf(item);
      return ((answer.Responses ?? []) as Array<{ Item?: Item }>)[position]?.Item;
    }
    const found = ((answer.Responses ?? {}) as Record<string, Item[]>)[item.table] ?? [];
    return found.find((candidate) => Object.entries(item.key).every(([name, value]) => JSON.stringify(candidate[name]) === JSON.stringify(value)));
  }

  private charge(table: string, index: string | undefined, partitionKey: string | undefined, kind: 'read' | 'write', units: number): void {
    const id = `${table}\u0000${index ?? ''}\u0000${partitionKey ?? '?'}`;
    const use = this.uses.get(id) ?? {
      table,
      ...(index ? { index } : {}),
      partitionKey: partitionKey ?? '?',
      readUnits: 0,
      writeUnits: 0,
      reads: 0,
      writes: 0,
    };
    if (kind === 'read') {
      use.readUnits += units;
      use.reads += 1;
    } else {
      use.writeUnits += units;
      use.writes += 1;
    }
    this.uses.set(id, use);
  }
}

function consistentInBatch(body: Record<string, unknown>, table: string): boolean {
  const spec = ((body.RequestItems ?? {}) as Record<string, { ConsistentRead?: boolean }>)[table];
  return spec?.ConsistentRead === true;
}

/** The attributes of `image` that the given keys name: what a KEYS_ONLY index keeps of an item. */
function keysOf(image: Item | undefined, keys: readonly KeySchema[]): Item | undefined {
  if (!image) return undefined;
  const names = keys.flatMap((k) => (k.range ? [k.hash, k.range] : [k.hash]));
  return Object.fromEntries(names.flatMap((n) => (image[n] ? [[n, image[n]]] : [])));
}
