/**
 * What a DynamoDB (JSON 1.0) request touches: the items of item-level operations with their primary keys, and the
 * partition a Query reads. Pure functions of the request and the tables' key schemas, unit-tested on their own
 * (test/unit/local/dynamodb-request-items.test.ts).
 */
import type { ItemAccess } from './item-locks';

/** An attribute value in DynamoDB's JSON wire form. */
export type AttributeValue = {
  S?: string;
  N?: string;
  B?: string;
  BOOL?: boolean;
  NULL?: boolean;
  SS?: string[];
  NS?: string[];
  BS?: string[];
  L?: AttributeValue[];
  M?: Record<string, AttributeValue>;
};
export type Item = Record<string, AttributeValue>;

/** The key attributes of a table or of one of its indexes. */
export interface KeySchema {
  readonly hash: string;
  readonly range?: string;
}

/** A secondary index's keys, and whether it copies only the keys of each item (projection KEYS_ONLY). */
export interface IndexSchema extends KeySchema {
  readonly keysOnly?: boolean;
}

/** A table's primary key and its secondary indexes (local indexes share the table's partition key). */
export interface TableSchema {
  readonly key: KeySchema;
  readonly indexes: Readonly<Record<string, IndexSchema>>;
}

export type SchemaOf = (table: string) => TableSchema | undefined;

/** How an item-level request changes or reads its item. */
export type ItemOperation = 'put' | 'update' | 'delete' | 'condition-check' | 'get';

/** One item a request names. */
export interface TouchedItem {
  readonly table: string;
  /** The primary key attributes only. */
  readonly key: Item;
  /** Unique within the store: the table and the key's values. */
  readonly id: string;
  readonly operation: ItemOperation;
  /** Inside TransactWriteItems/TransactGetItems. */
  readonly transactional: boolean;
  /** For a put: the item written. */
  readonly item?: Item;
  /** For conflict detection; a read outside a transaction holds nothing. */
  readonly access?: ItemAccess;
  /** Inside a transaction: the item's place in TransactItems (its cancellation reason's place). */
  readonly position?: number;
}

/** A scalar key value as text ("S:abc", "N:12"): what a partition is called in reports. */
export function keyText(value: AttributeValue | undefined): string | undefined {
  if (!value) return undefined;
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return value.N;
  if (value.B !== undefined) return `b64:${value.B}`;
  return undefined;
}

/** The primary key attributes of an item (undefined when one is missing). */
export function keyOf(item: Item | undefined, schema: KeySchema): Item | undefined {
  if (!item) return undefined;
  const hash = item[schema.hash];
  if (!hash) return undefined;
  const range = schema.range ? item[schema.range] : undefined;
  if (schema.range && !range) return undefined;
  return schema.range && range ? { [schema.hash]: hash, [schema.range]: range } : { [schema.hash]: hash };
}

function itemId(table: string, key: Item, schema: KeySchema): string {
  const parts = [table, JSON.stringify(key[schema.hash])];
  if (schema.range) parts.push(JSON.stringify(key[schema.range]));
  return parts.join('\u0000');
}

/** The items of a request that names items: single-item reads and writes, batches and transactions. */
export function touchedItems(operation: string, body: Record<string, unknown>, schemaOf: SchemaOf): TouchedItem[] {
  const out: TouchedItem[] = [];
  let position: number | undefined;
  const add = (table: unknown, key: Item | undefined, op: ItemOperation, transactional: boolean, access?: ItemAccess, item?: Item) => {
    if (typeof table !== 'string') return;
    const schema = schemaOf(table)?.key;
    const primary = schema ? keyOf(key, schema) : undefined;
    if (!schema || !primary) return;
    out.push({
      table,
      key: primary,
      id: itemId(table, primary, schema),
      operation: op,
      transactional,
      ...(access ? { access } : {}),
      ...(item ? { item } : {}),
      ...(position !== undefined ? { position } : {}),
    });
  };
  switch (operation) {
    case 'PutItem':
      add(body.TableName, body.Item as Item, 'put', false, 'write', body.Item as Item);
      break;
    case 'UpdateItem':
      add(body.TableName, body.Key as Item, 'update', false, 'write');
      break;
    case 'DeleteItem':
      add(body.TableName, body.Key as Item, 'delete', false, 'write');
      break;
    case 'GetItem':
      add(body.TableName, body.Key as Item, 'get', false);
      break;
    case 'BatchGetItem':
      for (const [table, spec] of Object.entries((body.RequestItems ?? {}) as Record<string, { Keys?: Item[] }>)) {
        for (const key of spec?.Keys ?? []) add(table, key, 'get', false);
      }
      break;
    case 'BatchWriteItem':
      for (const [table, writes] of Object.entries(
        (body.RequestItems ?? {}) as Record<string, Array<{ PutRequest?: { Item?: Item }; DeleteRequest?: { Key?: Item } }>>,
      )) {
        for (const w of Array.isArray(writes) ? writes : []) {
          if (w.PutRequest?.Item) add(table, w.PutRequest.Item, 'put', false, undefined, w.PutRequest.Item);
          else if (w.DeleteRequest?.Key) add(table, w.DeleteRequest.Key, 'delete', false);
        }
      }
      break;
    case 'TransactWriteItems':
      for (const [at, entry] of ((body.TransactItems ?? []) as Array<Record<string, { TableName?: string; Key?: Item; Item?: Item } | undefined>>).entries()) {
        position = at;
        if (entry.Put) add(entry.Put.TableName, entry.Put.Item, 'put', true, 'transact-write', entry.Put.Item);
        else if (entry.Update) add(entry.Update.TableName, entry.Update.Key, 'update', true, 'transact-write');
        else if (entry.Delete) add(entry.Delete.TableName, entry.Delete.Key, 'delete', true, 'transact-write');
        else if (entry.ConditionCheck) add(entry.ConditionCheck.TableName, entry.ConditionCheck.Key, 'condition-check', true, 'transact-write');
      }
      break;
    case 'TransactGetItems':
      for (const [at, entry] of ((body.TransactItems ?? []) as Array<{ Get?: { TableName?: string; Key?: Item } }>).entries()) {
        position = at;
        add(entry.Get?.TableName, entry.Get?.Key, 'get', true, 'transact-get');
      }
      break;
  }
  return out;
}

/** The tables a request names, so their key schemas can be looked up before it is read. */
export function tablesNamed(operation: string, body: Record<string, unknown>): string[] {
  const names = new Set<string>();
  if (typeof body.TableName === 'string') names.add(body.TableName);
  if (operation === 'BatchGetItem' || operation === 'BatchWriteItem') for (const t of Object.keys((body.RequestItems ?? {}) as object)) names.add(t);
  if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
    for (const entry of (body.TransactItems ?? []) as Array<Record<string, { TableName?: unknown } | undefined>>) {
      for (const spec of Object.values(entry)) if (typeof spec?.TableName === 'string') names.add(spec.TableName);
    }
  }
  return [...names];
}

/** The partition key a Query names in its KeyConditionExpression (`#pk = :pk` or `pk = :v`), as a key map. */
export function queryKey(body: Record<string, unknown>, attribute: string | undefined): Item | undefined {
  if (!attribute) return undefined;
  const legacy = (body.KeyConditions as Record<string, { AttributeValueList?: AttributeValue[] }> | undefined)?.[attribute];
  if (legacy?.AttributeValueList?.[0]) return { [attribute]: legacy.AttributeValueList[0] };
  const expression = typeof body.KeyConditionExpression === 'string' ? body.KeyConditionExpression : '';
  const names = (body.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (body.ExpressionAttributeValues ?? {}) as Record<string, AttributeValue>;
  for (const match of expression.matchAll(/([#\w.]+)\s*=\s*(:\w+)|(:\w+)\s*=\s*([#\w.]+)/g)) {
    const name = match[1] ?? match[4] ?? '';
    const placeholder = match[2] ?? match[3] ?? '';
    if ((names[name] ?? name) === attribute && values[placeholder]) return { [attribute]: values[placeholder] };
  }
  return undefined;
}

/**
 * An item's size as DynamoDB counts it for capacity (Developer Guide, "Item sizes and formats"): each attribute's
 * name in UTF-8 plus its value; a number about one byte per two significant digits plus one; a list or map 3 bytes
 * plus 1 per element; booleans and nulls 1 byte.
 */
export function itemSize(item: Item | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueSize(value), 0);
}

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return Buffer.from(value.B, 'base64').length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS) return value.SS.reduce((s, v) => s + Buffer.byteLength(v), 0);
  if (value.NS) return value.NS.reduce((s, v) => s + numberSize(v), 0);
  if (value.BS) return value.BS.reduce((s, v) => s + Buffer.from(v, 'base64').length, 0);
  if (value.L) return 3 + value.L.reduce((s, v) => s + 1 + valueSize(v), 0);
  if (value.M) return 3 + Object.entries(value.M).reduce((s, [k, v]) => s + 1 + Buffer.byteLength(k) + valueSize(v), 0);
  return 0;
}

function numberSize(text: string): number {
  const digits = text
    .replace(/^[-+]/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}
