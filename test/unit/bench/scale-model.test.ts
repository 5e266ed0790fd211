import type { PartitionUse } from '../../../local/aws/dynamodb/partition-heat';
import { keyPattern } from '../../../bench/scale/key-patterns';
import { headline, hottestCatalog, jobAtRate, limitingRate, patternRows } from '../../../bench/scale/limits';
import { jobNotes } from '../../../bench/scale/report';
import { seededRandom, Zipf } from '../../../bench/scale/zipf';

const use = (partitionKey: string, writeUnits: number, readUnits: number, index?: string): PartitionUse => ({
  table: 'Orders',
  ...(index ? { index } : {}),
  partitionKey,
  writeUnits,
  readUnits,
  writes: 1,
  reads: 1,
});

describe('key patterns', () => {
  it.each([
    ['ORDER#01JZ8Q7W3Y5K2M4N6P8R0T2V4X', 'ORDER#<orderId>', 'order'],
    ['HOLD#01JZ8Q7W3Y5K2M4N6P8R0T2V4X', 'HOLD#<orderId>', 'order'],
    ['HOLD#ACTIVE', 'HOLD#ACTIVE', 'shared'],
    ['HOLD#ACTIVE#0', 'HOLD#ACTIVE#<shard>', 'shared'],
    ['HOLD#ACTIVE#63', 'HOLD#ACTIVE#<shard>', 'shared'],
    ['STATUS#AWAITING_PAYMENT', 'STATUS#AWAITING_PAYMENT', 'shared'],
    ['STATUS#ACTIVE', 'STATUS#ACTIVE', 'shared'],
    ['STATUS#AWAITING_PAYMENT#0', 'STATUS#AWAITING_PAYMENT#<shard>', 'shared'],
    ['STATUS#CONFIRMED#63', 'STATUS#CONFIRMED#<shard>', 'shared'],
    ['AUDIT#2026-12', 'AUDIT#<yyyy-mm>', 'shared'],
    ['AUDIT#2026-12#3', 'AUDIT#<yyyy-mm>#<shard>', 'shared'],
    ['AUDITHEAD#3', 'AUDITHEAD#<shard>', 'shared'],
    ['OUTBOX#PENDING#acme-wms', 'OUTBOX#PENDING#<providerId>', 'shared'],
    ['EVENT#stripe#evt_3QxYz1234', 'EVENT#stripe#<eventId>', 'order'],
    ['CUSTOMER#3f1c2a4e-1b2c-4d5e-8f90-123456789abc', 'CUSTOMER#<customerId>', 'customer'],
    ['CHECKOUT#3f1c2a4e-1b2c-4d5e-8f90-123456789abc#bench-1', 'CHECKOUT#<customerId>#<idempotencyKey>', 'order'],
    ['SKU#SC-AB12CD-7-0', 'SKU#<sku>', 'catalog'],
    ['STOCK#HOT-A1B2C3#7', 'STOCK#<sku>#<shard>', 'catalog'],
    ['VENDOR#3f1c2a4e-1b2c-4d5e-8f90-123456789abc', 'VENDOR#<vendorId>', 'shared'],
    ['VENDOR#3f1c2a4e-1b2c-4d5e-8f90-123456789abc#17', 'VENDOR#<vendorId>#<shard>', 'shared'],
    ['Stockade-dev-Orders-CreateCheckout1A2B#0123456789abcdef0123456789abcdef', 'Stockade-dev-Orders-CreateCheckout1A2B#<hash>', 'order'],
    ['Stockade-dev-Api-CreateCheckout57F0D06E#2A9Izp6fOgk8Rc1zbhU0lQ==', 'Stockade-dev-Api-CreateCheckout57F0D06E#<hash>', 'order'],
    ['RECONCILIATION', 'RECONCILIATION', 'shared'],
  ])('%s -> %s (%s)', (key, pattern, scope) => {
    expect(keyPattern(key)).toEqual({ pattern, scope });
  });

  it('groups different ids of one prefix under one pattern', () => {
    expect(keyPattern('ORDER#01JZ8Q7W3Y5K2M4N6P8R0T2V4X').pattern).toBe(keyPattern('ORDER#01JZ8Q7W3Y5K2M4N6P8R0T2V4Y').pattern);
  });
});

describe('rates at the partition limits', () => {
  it('is the lower of 1,000 WCU/s and 3,000 RCU/s over the units each order costs', () => {
    expect(limitingRate(2, 1)).toBe(500);
    expect(limitingRate(0.1, 6)).toBe(500);
    expect(limitingRate(0.5, 0)).toBe(2000);
    expect(limitingRate(0, 0)).toBe(Number.POSITIVE_INFINITY);
  });

  it('groups partitions by pattern, finds the hottest, and makes the lowest shared rate the headline', () => {
    const rows = patternRows(
      [
        use('STATUS#CONFIRMED', 400, 0, 'byStatus'),
        use('STATUS#FULFILLED', 200, 0, 'byStatus'),
        use('SKU#A-1', 100, 300),
        use('SKU#B-2', 10, 30),
        use('ORDER#01JZ8Q7W3Y5K2M4N6P8R0T2V4X', 12, 4),
        use('ORDER#01JZ8Q7W3Y5K2M4N6P8R0T2V4Y', 10, 4),
        use('CUSTOMER#3f1c2a4e-1b2c-4d5e-8f90-123456789abc', 20, 0, 'byCustomer'),
      ],
      { orders: 100, customers: 10 },
    );
    const status = rows.find((r) => r.pattern === 'STATUS#CONFIRMED');
    expect(status).toMatchObject({ partitions: 1, writePerOrder: 4, rate: 250, binding: 'writes', index: 'byStatus' });
    const sku = rows.find((r) => r.pattern === 'SKU#<sku>');
    expect(sku).toMatchObject({ partitions: 2, hottest: 'SKU#A-1', writePerOrder: 1, readPerOrder: 3, rate: 1000 });
    // A partition of one order: what that order costs it, and no limit.
    expect(rows.find((r) => r.pattern === 'ORDER#<orderId>')).toMatchObject({ partitions: 2, writePerOrder: 12, rate: Number.POSITIVE_INFINITY });
    // One customer of 10 placed about 10 of the 100 orders: 2 WCU per own order, 500 orders/s each.
    expect(rows.find((r) => r.scope === 'customer')?.perCustomerRate).toBe(500);
    expect(headline(rows)).toMatchObject({ pattern: 'STATUS#CONFIRMED', rate: 250 });
    expect(rows[0]?.pattern).toBe('STATUS#CONFIRMED');
    expect(hottestCatalog(rows)).toMatchObject({ pattern: 'SKU#<sku>', rate: 1000 });
  });

  it('takes the headline from shared partitions only: a catalog item hotter than every shared key is reported apart', () => {
    const rows = patternRows([use('SKU#A-1', 300, 300), use('STATUS#CONFIRMED#0', 20, 0, 'byStatus'), use('VENDOR#v-1#3', 10, 0, 'byVendor')], {
      orders: 100,
      customers: 10,
    });
    expect(hottestCatalog(rows)).toMatchObject({ pattern: 'SKU#<sku>', rate: 1000 / 3 });
    expect(headline(rows)).toMatchObject({ pattern: 'STATUS#CONFIRMED#<shard>', rate: 5000 });
  });

  it('groups the shards of a sharded status key under one pattern and rates it by its hottest shard', () => {
    const rows = patternRows(
      [
        use('STATUS#AWAITING_PAYMENT#0', 150, 0, 'byStatus'),
        use('STATUS#AWAITING_PAYMENT#1', 160, 0, 'byStatus'),
        use('STATUS#AWAITING_PAYMENT#2', 140, 0, 'byStatus'),
        use('STATUS#CONFIRMED#1', 90, 0, 'byStatus'),
      ],
      { orders: 100, customers: 10 },
    );
    expect(rows.find((r) => r.pattern === 'STATUS#AWAITING_PAYMENT#<shard>')).toMatchObject({
      scope: 'shared',
      partitions: 3,
      hottest: 'STATUS#AWAITING_PAYMENT#1',
      writePerOrder: 1.6,
      rate: 625,
    });
    expect(rows.find((r) => r.pattern === 'STATUS#CONFIRMED#<shard>')).toMatchObject({ partitions: 1, hottest: 'STATUS#CONFIRMED#1' });
    expect(headline(rows)).toMatchObject({ pattern: 'STATUS#AWAITING_PAYMENT#<shard>' });
  });

  it("scales a job's reads by the orders in its window and checks its hottest partition over its timeout", () => {
    const run = {
      job: 'Reconcile',
      everySeconds: 900,
      windowSeconds: 3600,
      timeoutSeconds: 600,
      partitions: [use('STATUS#CONFIRMED', 0, 50), use('RECONCILIATION', 2, 0)],
    };
    const at = jobAtRate(run, 100, 10);
    expect(at.ordersInWindow).toBe(36_000);
    expect(at.readUnitsPerRun).toBe(50 * 360);
    // Its own bookkeeping (the report) does not grow with the orders.
    expect(at.writeUnitsPerRun).toBe(2);
    expect(at.hottest?.partitionKey).toBe('STATUS#CONFIRMED');
    expect(at.hottestReadPerSecond).toBe(30);
    expect(at.fits).toBe(true);
    expect(jobAtRate(run, 100, 1000).hottestReadPerSecond).toBe(3000);
    expect(jobAtRate(run, 100, 1001).fits).toBe(false);
    // A job that reads no orders costs what it cost here, whatever the rate.
    expect(jobAtRate({ ...run, windowSeconds: 0 }, 100, 1000)).toMatchObject({ readUnitsPerRun: 50, ordersInWindow: 0, fits: true });
  });

  it('explains a windowed job that does not fit by the orders one run must read, and says nothing of one that fits', () => {
    const job = {
      job: 'ReconcilePayments',
      rule: 'Reconcile',
      expression: 'rate(1 hour)',
      ok: true,
      ms: 2000,
      windowNote: 'its lookback',
      everySeconds: 3600,
      windowSeconds: 3600,
      timeoutSeconds: 600,
      partitions: [use('STATUS#CONFIRMED#0', 0, 50)],
    };
    expect(jobNotes([job], 100, 10)).toEqual([]);
    const [note] = jobNotes([job], 100, 2000);
    // 2,000 orders/s for an hour: 7,200,000 orders, 12,000 a second over 600 s; this run read 100 in 2 s.
    expect(note).toContain('one run would read 7,200,000 orders, 12,000 a second over its 600 s timeout (this run read 50.0 a second here)');
    expect(jobNotes([{ ...job, windowSeconds: 0 }], 100, 1_000_000)).toEqual([]);
  });
});

describe('Zipf sampler', () => {
  it('gives each rank its share of 1/k^s', () => {
    const zipf = new Zipf(3, 1, Math.random);
    expect(zipf.share(0)).toBeCloseTo(1 / (1 + 1 / 2 + 1 / 3), 10);
    expect(zipf.share(2)).toBeCloseTo(1 / 3 / (1 + 1 / 2 + 1 / 3), 10);
    expect(zipf.share(3)).toBe(0);
  });

  it('draws ranks in proportion to their shares, the same for the same seed', () => {
    const draw = (seed: number) => {
      const zipf = new Zipf(1000, 1.1, seededRandom(seed));
      return Array.from({ length: 20_000 }, () => zipf.sample());
    };
    const ranks = draw(7);
    expect(draw(7)).toEqual(ranks);
    expect(draw(8)).not.toEqual(ranks);
    const top = ranks.filter((k) => k === 0).length / ranks.length;
    expect(top).toBeCloseTo(new Zipf(1000, 1.1, Math.random).share(0), 1.5);
    expect(ranks.every((k) => k >= 0 && k < 1000)).toBe(true);
    expect(ranks.filter((k) => k === 1).length).toBeLessThan(ranks.filter((k) => k === 0).length);
  });

  it('draws distinct ranks for a cart', () => {
    const zipf = new Zipf(5, 1.1, seededRandom(1));
    const cart = zipf.distinct(4);
    expect(new Set(cart).size).toBe(4);
    expect(zipf.distinct(9)).toHaveLength(5);
  });
});
