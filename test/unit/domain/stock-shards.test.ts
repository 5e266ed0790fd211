import fc from 'fast-check';
import { MAX_STOCK_SHARDS, planTake, shardCount, spreadOnHand, totalStock } from '../../../shared/domain/inventory/stock-shards';

/** Fixed seeds: a failure prints its seed and path, and the run replays exactly. */
const RUNS = { numRuns: 1000, seed: 20261205 } as const;

describe('stock shards', () => {
  it('takes a line from the first shard, from the start on, that has enough on its own', () => {
    expect(planTake([5, 0, 3, 9], 3, 1)).toEqual([{ shard: 2, quantity: 3 }]);
    expect(planTake([5, 0, 3, 9], 6, 1)).toEqual([{ shard: 3, quantity: 6 }]);
    expect(planTake([5, 0, 3, 9], 4, 3)).toEqual([{ shard: 3, quantity: 4 }]);
  });

  it('spans shards in order when none has enough alone, and refuses what all of them lack', () => {
    expect(planTake([2, 0, 3, 1], 5, 2)).toEqual([
      { shard: 2, quantity: 3 },
      { shard: 3, quantity: 1 },
      { shard: 0, quantity: 1 },
    ]);
    expect(planTake([2, 0, 3, 1], 7, 0)).toBeUndefined();
    expect(planTake([0, 0], 1, 0)).toBeUndefined();
  });

  it('plans exactly the quantity, never more than a shard has, whenever the shards have it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -2, max: 20 }), { minLength: 1, maxLength: MAX_STOCK_SHARDS }),
        fc.integer({ min: 1, max: 60 }),
        fc.nat(),
        (avail, q, s) => {
          const plan = planTake(avail, q, s % avail.length);
          const total = avail.reduce((a, b) => a + Math.max(0, b), 0);
          if (total < q) return plan === undefined;
          if (!plan) return false;
          const shards = plan.map((t) => t.shard);
          return (
            plan.reduce((a, t) => a + t.quantity, 0) === q &&
            new Set(shards).size === shards.length &&
            plan.every((t) => t.quantity > 0 && t.quantity <= (avail[t.shard] ?? 0))
          );
        },
      ),
      RUNS,
    );
  });

  it('spreads an absolute onHand over shards that keep their reserved units', () => {
    expect(
      spreadOnHand(10, [
        { onHand: 3, reserved: 2 },
        { onHand: 0, reserved: 0 },
        { onHand: 9, reserved: 1 },
      ]),
    ).toEqual([5, 2, 3]);
    // Below what is reserved: every shard keeps exactly its reserved units (the rules clamp before).
    expect(
      spreadOnHand(1, [
        { onHand: 3, reserved: 2 },
        { onHand: 4, reserved: 1 },
      ]),
    ).toEqual([2, 1]);
    fc.assert(
      fc.property(
        fc.nat({ max: 10_000 }),
        fc.array(fc.record({ onHand: fc.nat({ max: 100 }), reserved: fc.nat({ max: 100 }) }), { minLength: 1, maxLength: MAX_STOCK_SHARDS }),
        (onHand, shards) => {
          const spread = spreadOnHand(onHand, shards);
          const sum = spread.reduce((a, b) => a + b, 0);
          const available = spread.map((o, i) => o - (shards[i]?.reserved ?? 0));
          return (
            sum === Math.max(onHand, totalStock(shards).reserved) && available.every((a) => a >= 0) && Math.max(...available) - Math.min(...available) <= 1
          );
        },
      ),
      RUNS,
    );
  });

  it('reads a shard count as 1 unless it is a whole number of shards allowed', () => {
    expect([undefined, 0, 2.5, MAX_STOCK_SHARDS + 1, 'x', 4].map(shardCount)).toEqual([1, 1, 1, 1, 1, 4]);
  });
});
