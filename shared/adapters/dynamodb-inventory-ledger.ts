import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { decideAdjustment, decideStock, type SkuStockState, type StockDecision, VENDOR_SOURCE } from '../domain/inventory/conflict-rules';
import type { VendorStockAdjustment } from '../domain/model/inventory';
import type { NormalizedUpdate } from '../domain/inventory/normalize';
import { TransientError } from '../domain/orders/saga-errors';
import type { InventoryLedger, InventoryLedgerEntry, InventoryOutcome, VendorAdjustmentResult } from '../ports/inventory';
import { cancellationCodes, transientIfContended } from './dynamodb-order-items';
import { readShards, setShardOnHand, skuKey } from './dynamodb-stock-shards';
import { unsentSaleUnits } from './dynamodb-stock-notification-outbox';
import { type ShardStock, spreadOnHand, totalStock } from '../domain/inventory/stock-shards';

/** Reads and decisions per update before a SKU that keeps changing under it is left to the queue's retry. */
const DEFAULT_MAX_ATTEMPTS = 5;
/** The SKU item's attribute holding the newest version applied from a provider: `sv_<providerId>`. */
const VERSION_PREFIX = 'sv_';
/** The ledger's index: the catalog table's generic gsi1 (byStatus), partition `LEDGER#<sku>`, sorted by `at`. */
const HISTORY_INDEX = 'byStatus';

/** One ledger item per provider event line: the key is the update's identity, so a replay finds it taken. */
const ledgerId = (u: NormalizedUpdate) => `${u.providerId}#${encodeURIComponent(u.eventId)}#${encodeURIComponent(u.externalSku)}`;
const ledgerKey = (u: NormalizedUpdate) => ({ pk: `SKU#${u.sku}`, sk: `LEDGER#${ledgerId(u)}` });
const historyPartition = (sku: string) => `LEDGER#${sku}`;

type Written = 'written' | 'replay' | 'changed';

/** A SKU as the rules read it, with its stock shards' own counters (one shard, the SKU item, unless it is sharded). */
type SkuRead = SkuStockState & { readonly shards: readonly ShardStock[] };

/**
 * Did the transaction fail on the SKU's stock (any item but the ledger entry, at `ledgerIndex`), or lose to a
 * concurrent one? Then the SKU changed since it was read and the update is decided again.
 */
const skuChanged = (codes: readonly string[] | undefined, ledgerIndex: number) =>
  codes !== undefined && codes.some((c, i) => i !== ledgerIndex && (c === 'ConditionalCheckFailed' || c === 'TransactionConflict'));

/**
 * The inventory ledger in the catalog table (docs/data-model.md). Applying an update reads the SKU item (strongly
 * consistent), decides under the conflict rules, and writes with conditions that hold only while the SKU is still as
 * read: an applied update is one transaction that sets onHand, available, the stock source and the provider's version
 * and puts the ledger item; any other outcome puts the ledger item alone. A checkout or another update that changes
 * the SKU in between fails the condition, and the update is decided again on what the SKU is now. The ledger item's
 * key is the update's identity (provider, event, external SKU) with `attribute_not_exists`, so a replay writes
 * nothing and returns the entry recorded the first time.
 */
export class DynamoDbInventoryLedger implements InventoryLedger {
  private readonly maxAttempts: number;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    options: { maxAttempts?: number } = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  }

  async apply(update: NormalizedUpdate, at: string): Promise<InventoryLedgerEntry> {
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const state = await this.withUnsentSales(update, await this.readSku(update.sku));
      const decision = state ? decideStock(state, update) : undefined;
      const entry = entryOf(update, at, state, decision);
      const written = await this.write(update, entry, state, decision);
      if (written === 'written') return entry;
      if (written === 'replay') return { ...(await this.recorded(update)), replayed: true };
    }
    throw new TransientError(`SKU ${update.sku} kept changing while ${update.providerId} event ${update.eventId} was applied (${this.maxAttempts} tries)`);
  }

  /**
   * A vendor's adjustment: decided on the SKU as read (strongly consistent), then one transaction that sets onHand,
   * available and the vendor's version and puts the ledger entry, on the condition that the SKU is still as read
   * (onHand unchanged, so a delta is taken from what is on hand; what is reserved still fits; no newer adjustment;
   * no provider took the SKU). A checkout or a provider update in between fails it, and it is decided again.
   */
  async adjust(adjustment: VendorStockAdjustment, at: string): Promise<VendorAdjustmentResult> {
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const state = await this.readSku(adjustment.sku);
      if (!state) return { kind: 'unknown-sku' };
      const decision = decideAdjustment(state, adjustment, at);
      if (decision.kind !== 'apply') return decision;
      const { update } = decision;
      // Recorded as a provider's applied update is, with the vendor's reason (an applied adjustment is never clamped).
      const entry: InventoryLedgerEntry = {
        ...entryOf(update, at, state, { kind: 'apply', onHand: decision.onHand, clamped: false }),
        reason: adjustment.reason,
      };
      // Spread over the SKU's shards (docs/data-model.md, "Stock shards"); each shard still as read (its onHand).
      const [first = 0, ...rest] = spreadOnHand(decision.onHand, state.shards);
      try {
        await this.client.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              {
                Update: {
                  TableName: this.tableName,
                  Key: marshall(skuKey(update.sku)),
                  UpdateExpression: 'SET onHand = :onHand, available = :onHand - reserved, #pv = :version, version = version + :one',
                  ConditionExpression: [
                    'attribute_exists(pk)',
                    'onHand = :before',
                    'reserved <= :onHand',
                    '(attribute_not_exists(#pv) OR #pv < :version)',
                    '(attribute_not_exists(stockSource) OR stockSourcePriority <= :priority)',
                  ].join(' AND '),
                  ExpressionAttributeNames: { '#pv': `${VERSION_PREFIX}${VENDOR_SOURCE}` },
                  ExpressionAttributeValues: marshall({
                    ':onHand': first,
                    ':before': state.shards[0]?.onHand ?? state.onHand,
                    ':version': update.version,
                    ':priority': update.priority,
                    ':one': 1,
                  }),
                },
              },
              {
                Put: {
                  TableName: this.tableName,
                  Item: marshall({ ...ledgerItem(update, entry), vendorId: adjustment.vendorId }, { removeUndefinedValues: true }),
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              ...rest.map((onHand, i) =>
                setShardOnHand(this.tableName, update.sku, i + 1, onHand, 'onHand = :before AND reserved <= :o', {
                  ':before': state.shards[i + 1]?.onHand ?? 0,
                }),
              ),
            ],
          }),
        );
        return { kind: 'applied', entry };
      } catch (error) {
        const codes = cancellationCodes(error);
        if (codes?.[1] === 'ConditionalCheckFailed') return { kind: 'applied', entry: { ...(await this.recorded(update)), replayed: true } };
        if (skuChanged(codes, 1)) continue;
        throw transientIfContended(error);
      }
    }
    throw new TransientError(`SKU ${adjustment.sku} kept changing while adjustment ${adjustment.adjustmentId} was applied (${this.maxAttempts} tries)`);
  }

  async history(sku: string, limit: number): Promise<InventoryLedgerEntry[]> {
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: HISTORY_INDEX,
        KeyConditionExpression: 'gsi1pk = :ledger',
        ExpressionAttributeValues: marshall({ ':ledger': historyPartition(sku) }),
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (page.Items ?? []).map((i) => toEntry(unmarshall(i)));
  }

  /** The SKU (strongly consistent), its stock summed over its shards for the rules, each shard's for the write. */
  /**
   * The SKU as read, with the units of its sale notices still pending to the update's provider: only for an update
   * the rules would apply (a duplicate, stale or outranked one, most of a full sync, needs no Query of the outbox).
   */
  private async withUnsentSales(update: NormalizedUpdate, read: SkuRead | undefined): Promise<SkuRead | undefined> {
    if (!read || decideStock(read, update).kind !== 'apply') return read;
    return { ...read, unsent: await unsentSaleUnits(this.client, this.tableName, update.providerId, update.sku) };
  }

  private async readSku(sku: string): Promise<SkuRead | undefined> {
    const { Item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(skuKey(sku)), ConsistentRead: true }));
    if (!Item) return undefined;
    const i = unmarshall(Item);
    const shards = (await readShards(this.client, this.tableName, [i])).get(String(i.sku)) ?? [];
    const versions = Object.fromEntries(
      Object.entries(i).flatMap(([name, value]) => (name.startsWith(VERSION_PREFIX) ? [[name.slice(VERSION_PREFIX.length), Number(value)]] : [])),
    );
    const source = typeof i.stockSource === 'string' ? { providerId: i.stockSource, priority: Number(i.stockSourcePriority) } : undefined;
    return { ...totalStock(shards), shards, versions, ...(source ? { source } : {}) };
  }

  private async write(
    update: NormalizedUpdate,
    entry: InventoryLedgerEntry,
    state: SkuRead | undefined,
    decision: StockDecision | undefined,
  ): Promise<Written> {
    const ledgerPut = {
      TableName: this.tableName,
      Item: marshall(ledgerItem(update, entry), { removeUndefinedValues: true }),
      ConditionExpression: 'attribute_not_exists(pk)',
    };
    if (state && decision && decision.kind !== 'apply') {
      // Versions only grow and a SKU's source only moves to a higher priority, so a duplicate, stale or outranked
      // update stays one: its entry needs no condition on the SKU.
      try {
        await this.client.send(new PutItemCommand(ledgerPut));
        return 'written';
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return 'replay';
        throw transientIfContended(error);
      }
    }
    const skuItems: TransactWriteItem[] =
      state && decision?.kind === 'apply'
        ? this.stockUpdates(update, state, decision)
        : // Unknown SKU: recorded only while the SKU is still absent (one created meanwhile is decided again).
          [{ ConditionCheck: { TableName: this.tableName, Key: marshall(skuKey(update.sku)), ConditionExpression: 'attribute_not_exists(pk)' } }];
    const [skuItem, ...shardItems] = skuItems as [TransactWriteItem, ...TransactWriteItem[]];
    try {
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: [skuItem, { Put: ledgerPut }, ...shardItems] }));
      return 'written';
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes?.[1] === 'ConditionalCheckFailed') return 'replay';
      if (skuChanged(codes, 1)) return 'changed';
      throw transientIfContended(error);
    }
  }

  /**
   * The SKU's change for an applied update, conditional on everything the decision read: the provider's version is
   * still older, no higher-priority provider has taken the SKU, and what is reserved still fits under the new onHand
   * (exactly what was read, when the update was clamped to it, so the clamp is to what is reserved now). A sharded
   * SKU's onHand is spread over its shards, each keeping what it reserves plus an even share of what is available
   * (spreadOnHand), each shard on the same condition as the SKU item over its own reserved units: so the shards'
   * onHand sums to the update's, and no shard's available goes below zero whatever is reserved meanwhile.
   */
  private stockUpdates(update: NormalizedUpdate, state: SkuRead, decision: Extract<StockDecision, { kind: 'apply' }>): TransactWriteItem[] {
    const [first = 0, ...rest] = spreadOnHand(decision.onHand, state.shards);
    const shardCondition = decision.clamped ? 'reserved = :r' : 'reserved <= :o';
    return [
      { Update: this.skuItemUpdate(update, { onHand: first, reserved: state.shards[0]?.reserved ?? 0 }, decision.clamped) },
      ...rest.map((onHand, i) =>
        setShardOnHand(this.tableName, update.sku, i + 1, onHand, shardCondition, decision.clamped ? { ':r': state.shards[i + 1]?.reserved ?? 0 } : {}),
      ),
    ];
  }

  /** The SKU item's part of an applied update: its own shard's onHand, the source and the provider's version. */
  private skuItemUpdate(update: NormalizedUpdate, shard: ShardStock, clamped: boolean) {
    return {
      TableName: this.tableName,
      Key: marshall(skuKey(update.sku)),
      UpdateExpression:
        'SET onHand = :onHand, available = :onHand - reserved, stockSource = :provider, stockSourcePriority = :priority, #pv = :version, version = version + :one',
      ConditionExpression: [
        'attribute_exists(pk)',
        clamped ? 'reserved = :reserved' : 'reserved <= :onHand',
        '(attribute_not_exists(#pv) OR #pv < :version)',
        '(attribute_not_exists(stockSource) OR stockSource = :provider OR stockSourcePriority <= :priority)',
      ].join(' AND '),
      ExpressionAttributeNames: { '#pv': `${VERSION_PREFIX}${update.providerId}` },
      ExpressionAttributeValues: marshall({
        ':onHand': shard.onHand,
        ':provider': update.providerId,
        ':priority': update.priority,
        ':version': update.version,
        ':one': 1,
        ...(clamped ? { ':reserved': shard.reserved } : {}),
      }),
    };
  }

  private async recorded(update: NormalizedUpdate): Promise<InventoryLedgerEntry> {
    const { Item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(ledgerKey(update)), ConsistentRead: true }));
    if (!Item) throw new TransientError(`The ledger entry of ${update.providerId} event ${update.eventId} for ${update.sku} was taken but cannot be read`);
    return toEntry(unmarshall(Item));
  }
}

/** What applying `update` to a SKU in `state` does, as the ledger records it. */
function entryOf(update: NormalizedUpdate, at: string, state: SkuStockState | undefined, decision: StockDecision | undefined): InventoryLedgerEntry {
  const common = {
    sku: update.sku,
    at,
    providerId: update.providerId,
    eventId: update.eventId,
    externalSku: update.externalSku,
    version: update.version,
    reported: update.onHand,
  };
  const entry = (outcome: InventoryOutcome, extra: Partial<InventoryLedgerEntry>): InventoryLedgerEntry => ({ ...common, outcome, ...extra });
  if (!state || !decision) return entry('unknown-sku', { reason: `no SKU ${update.sku} in the catalog` });
  switch (decision.kind) {
    case 'apply': {
      const reasons = [
        ...(decision.unsent ? [`less ${decision.unsent} sold and not yet told to ${update.providerId}`] : []),
        ...(decision.clamped ? [`clamped to reserved ${state.reserved}`] : []),
      ];
      return entry('apply', {
        before: state.onHand,
        after: decision.onHand,
        ...(decision.clamped ? { clamped: true } : {}),
        ...(reasons.length ? { reason: reasons.join('; ') } : {}),
      });
    }
    case 'duplicate':
      return entry('duplicate', { reason: `version ${update.version} from ${update.providerId} seen already` });
    case 'stale':
      return entry('stale', { reason: `newer version ${decision.newest} from ${update.providerId} seen already` });
    case 'outranked':
      return entry('outranked', { reason: `outranked by ${decision.by}` });
  }
}

function ledgerItem(update: NormalizedUpdate, entry: InventoryLedgerEntry): Record<string, unknown> {
  return {
    ...ledgerKey(update),
    entity: 'inventory-ledger',
    gsi1pk: historyPartition(update.sku),
    gsi1sk: `${entry.at}#${ledgerId(update)}`,
    ...entry,
    priority: update.priority,
    occurredAt: update.occurredAt,
  };
}

function toEntry(i: Record<string, unknown>): InventoryLedgerEntry {
  const number = (name: string) => (typeof i[name] === 'number' ? { [name]: i[name] as number } : {});
  return {
    sku: String(i.sku),
    at: String(i.at),
    providerId: String(i.providerId),
    eventId: String(i.eventId),
    externalSku: String(i.externalSku),
    version: Number(i.version),
    outcome: i.outcome as InventoryOutcome,
    ...number('before'),
    ...number('after'),
    ...number('reported'),
    ...(typeof i.reason === 'string' ? { reason: i.reason } : {}),
    ...(i.clamped === true ? { clamped: true } : {}),
  };
}
