/**
 * Stock shards (issue 12, item 3; docs/data-model.md, "Stock shards"). A flash-sale SKU keeps its stock in S items,
 * each its own partition key, so its reservations spread over S items instead of queueing on one: shard 0 is the
 * SKU item itself, shards 1..S-1 are items of their own. Each shard keeps `onHand`, `reserved` and `available` as an
 * unsharded SKU does; the SKU's stock is their sum. These are the pure rules: which shards a reservation takes from,
 * and how an absolute onHand (a provider's report, a vendor's level) is spread over shards that keep what they hold.
 */

/** Shards a SKU may have: a provider update writes every shard in one transaction (100 items at most). */
export const MAX_STOCK_SHARDS = 20;

/** Units of a line taken from one shard (recorded on the hold, so they go back to the shard they came from). */
export interface ShardTake {
  readonly shard: number;
  readonly quantity: number;
}

/** One shard's counters. */
export interface ShardStock {
  readonly onHand: number;
  readonly reserved: number;
}

/** The number of shards a SKU item says it has (1 when it says nothing, or nonsense). */
export function shardCount(value: unknown): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= MAX_STOCK_SHARDS ? n : 1;
}

/**
 * Where to take `quantity` units from, given each shard's available units, starting at shard `start`: the first shard
 * in order (start, start + 1, …, wrapping) that has enough on its own; when none has, the line spans shards in that
 * order, each giving what it has until the quantity is met. Undefined when all shards together have too little.
 */
export function planTake(available: readonly number[], quantity: number, start: number): ShardTake[] | undefined {
  const order = available.map((_, i) => (start + i) % available.length);
  const whole = order.find((shard) => (available[shard] ?? 0) >= quantity);
  if (whole !== undefined) return [{ shard: whole, quantity }];
  const takes: ShardTake[] = [];
  let left = quantity;
  for (const shard of order) {
    const take = Math.min(left, Math.max(0, available[shard] ?? 0));
    if (take > 0) takes.push({ shard, quantity: take });
    left -= take;
    if (left === 0) return takes;
  }
  return undefined;
}

/**
 * Spreads an absolute onHand over shards that keep the units they have reserved (a hold goes back to the shard it
 * came from): each shard gets its reserved units plus an even share of what is left available, the first shards one
 * unit more while a remainder lasts. Below what the shards reserve together, every shard gets exactly its reserved
 * units (the conflict rules clamp there before). The shards' onHand always sums to max(onHand, total reserved).
 */
export function spreadOnHand(onHand: number, shards: readonly ShardStock[]): number[] {
  const reserved = shards.reduce((sum, s) => sum + s.reserved, 0);
  const free = Math.max(0, onHand - reserved);
  const share = Math.floor(free / shards.length);
  const extra = free % shards.length;
  return shards.map((s, i) => s.reserved + share + (i < extra ? 1 : 0));
}

/** The SKU's stock as one: the sums over its shards. */
export function totalStock(shards: readonly ShardStock[]): ShardStock {
  return shards.reduce((sum, s) => ({ onHand: sum.onHand + s.onHand, reserved: sum.reserved + s.reserved }), { onHand: 0, reserved: 0 });
}
