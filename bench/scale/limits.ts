import type { PartitionUse } from '../../local/aws/dynamodb/partition-heat';
import { type KeyScope, keyPattern } from './key-patterns';

/** DynamoDB's per-partition throughput, base tables and indexes alike (Developer Guide, "Partitions"). */
export const PARTITION_LIMITS = { writeUnitsPerSecond: 1_000, readUnitsPerSecond: 3_000 } as const;

/** The rate (per second) of something costing these units each time at which one partition reaches its limit. */
export function limitingRate(writeUnits: number, readUnits: number): number {
  const byWrites = writeUnits > 0 ? PARTITION_LIMITS.writeUnitsPerSecond / writeUnits : Number.POSITIVE_INFINITY;
  const byReads = readUnits > 0 ? PARTITION_LIMITS.readUnitsPerSecond / readUnits : Number.POSITIVE_INFINITY;
  return Math.min(byWrites, byReads);
}

/** Which limit binds first for these units: writes or reads. */
export const bindingLimit = (writeUnits: number, readUnits: number): 'writes' | 'reads' =>
  writeUnits / PARTITION_LIMITS.writeUnitsPerSecond >= readUnits / PARTITION_LIMITS.readUnitsPerSecond ? 'writes' : 'reads';

/** One key pattern of one table or index, over the partitions a run touched. */
export interface PatternRow {
  readonly table: string;
  readonly index?: string;
  readonly pattern: string;
  readonly scope: KeyScope;
  readonly partitions: number;
  /** The partition that reaches its limit at the lowest order rate. */
  readonly hottest: string;
  /** Its units per order of the run (per own order, for `order` partitions: what one order puts on its own). */
  readonly writePerOrder: number;
  readonly readPerOrder: number;
  /**
   * Orders per second store-wide at which the hottest partition reaches its limit: Infinity for `order` partitions;
   * for `customer` partitions, per customer (see perCustomerRate) times the customers of the run.
   */
  readonly rate: number;
  /** For `customer` partitions: orders per second one customer can place before their partition's limit. */
  readonly perCustomerRate?: number;
  readonly binding: 'writes' | 'reads';
}

/** What a run's heat is divided by. */
export interface RunShape {
  readonly orders: number;
  /** Customers the orders were spread over, evenly. */
  readonly customers: number;
  /** A short name for a physical table name. */
  readonly tableName?: (physical: string) => string;
}

/**
 * Groups a heat report's partitions by table, index and key pattern, and gives each pattern its hottest partition's
 * units per order and the order rate at which it reaches DynamoDB's per-partition limits. Sorted by that rate, lowest
 * first (`order` partitions last).
 */
export function patternRows(partitions: readonly PartitionUse[], run: RunShape): PatternRow[] {
  const groups = new Map<string, { table: string; index?: string; pattern: string; scope: KeyScope; uses: PartitionUse[] }>();
  const name = run.tableName ?? ((t: string) => t);
  for (const use of partitions) {
    const { pattern, scope } = keyPattern(use.partitionKey);
    const table = name(use.table);
    const id = `${table}\u0000${use.index ?? ''}\u0000${pattern}`;
    const group = groups.get(id) ?? { table, ...(use.index ? { index: use.index } : {}), pattern, scope, uses: [] };
    group.uses.push(use);
    groups.set(id, group);
  }
  const rows = [...groups.values()].map((g): PatternRow => {
    // A partition of one order: what that order costs it. Any other: what the run put on it, per order of the run.
    const divisor = g.scope === 'order' ? 1 : run.orders;
    const hottest = g.uses.reduce((worst, u) =>
      limitingRate(u.writeUnits / divisor, u.readUnits / divisor) < limitingRate(worst.writeUnits / divisor, worst.readUnits / divisor) ? u : worst,
    );
    const writePerOrder = hottest.writeUnits / divisor;
    const readPerOrder = hottest.readUnits / divisor;
    const measured = limitingRate(writePerOrder, readPerOrder);
    const base = {
      table: g.table,
      ...(g.index ? { index: g.index } : {}),
      pattern: g.pattern,
      scope: g.scope,
      partitions: g.uses.length,
      hottest: hottest.partitionKey,
      writePerOrder,
      readPerOrder,
      binding: bindingLimit(writePerOrder, readPerOrder),
    };
    if (g.scope === 'order') return { ...base, rate: Number.POSITIVE_INFINITY };
    if (g.scope === 'customer') {
      // One customer placed orders / customers of the run's orders: their partition's cost per own order.
      const perCustomerRate = limitingRate(writePerOrder * run.customers, readPerOrder * run.customers);
      return { ...base, rate: measured, perCustomerRate };
    }
    return { ...base, rate: measured };
  });
  const order = (r: PatternRow) => (r.scope === 'order' ? Number.POSITIVE_INFINITY : r.rate);
  return rows.sort((a, b) => order(a) - order(b) || a.table.localeCompare(b.table) || a.pattern.localeCompare(b.pattern));
}

/**
 * The pattern that limits the store: the lowest rate among the shared partitions, the keys every order may land on
 * whatever it buys (a status, a vendor, the holds, a month). A catalog partition (one SKU's or product's items) is
 * bound instead by that item's share of the orders, which the workload sets, not the keys: hottestCatalog.
 */
export function headline(rows: readonly PatternRow[]): PatternRow | undefined {
  return lowest(rows.filter((r) => r.scope === 'shared'));
}

/** The catalog pattern whose hottest item reaches its limit first under the run's popularity mix. */
export function hottestCatalog(rows: readonly PatternRow[]): PatternRow | undefined {
  return lowest(rows.filter((r) => r.scope === 'catalog'));
}

const lowest = (rows: readonly PatternRow[]) => rows.reduce<PatternRow | undefined>((low, r) => (!low || r.rate < low.rate ? r : low), undefined);

/** A scheduled job's run, measured after `orders` orders, all inside its window. */
export interface JobRun {
  readonly job: string;
  /** Seconds between runs. */
  readonly everySeconds: number;
  /**
   * Seconds of orders one run reads (its lookback), or 0 when what it reads does not grow with the orders of a
   * healthy run (expired holds, pending provider notices, providers' snapshots).
   */
  readonly windowSeconds: number;
  /** The function's timeout: a run must read its window within it. */
  readonly timeoutSeconds: number;
  readonly partitions: readonly PartitionUse[];
}

export interface JobAtRate {
  readonly job: string;
  readonly readUnits: number;
  readonly writeUnits: number;
  /** The partition that comes closest to its limits at the rate. */
  readonly hottest?: {
    readonly table: string;
    readonly index?: string;
    readonly partitionKey: string;
    readonly readUnits: number;
    readonly writeUnits: number;
  };
  /** Orders in one run's window at the rate (0: the run does not read orders). */
  readonly ordersInWindow: number;
  /** Units one run reads and writes at the rate. */
  readonly readUnitsPerRun: number;
  readonly writeUnitsPerRun: number;
  /** The hottest partition's units per second if the run spreads its work evenly over its timeout. */
  readonly hottestReadPerSecond: number;
  readonly hottestWritePerSecond: number;
  readonly fits: boolean;
}

/**
 * What a job's run costs at `rate` orders per second. Its reads are the measured run's scaled by the orders in its
 * window (it reads every one of them); its writes stay as measured: on healthy orders they are its own bookkeeping
 * (a report, a claim), which does not grow with the orders.
 */
export function jobAtRate(run: JobRun, orders: number, rate: number, tableName: (physical: string) => string = (t) => t): JobAtRate {
  const readUnits = run.partitions.reduce((s, p) => s + p.readUnits, 0);
  const writeUnits = run.partitions.reduce((s, p) => s + p.writeUnits, 0);
  const ordersInWindow = run.windowSeconds > 0 && Number.isFinite(rate) ? rate * run.windowSeconds : 0;
  const scale = run.windowSeconds > 0 ? ordersInWindow / Math.max(1, orders) : 1;
  const share = (p: PartitionUse) =>
    p.writeUnits / run.timeoutSeconds / PARTITION_LIMITS.writeUnitsPerSecond + (p.readUnits * scale) / run.timeoutSeconds / PARTITION_LIMITS.readUnitsPerSecond;
  const top = run.partitions.reduce<PartitionUse | undefined>((best, p) => (!best || share(p) > share(best) ? p : best), undefined);
  const hottestReadPerSecond = top ? (top.readUnits * scale) / run.timeoutSeconds : 0;
  const hottestWritePerSecond = top ? top.writeUnits / run.timeoutSeconds : 0;
  return {
    job: run.job,
    readUnits,
    writeUnits,
    ...(top
      ? {
          hottest: {
            table: tableName(top.table),
            ...(top.index ? { index: top.index } : {}),
            partitionKey: top.partitionKey,
            readUnits: top.readUnits,
            writeUnits: top.writeUnits,
          },
        }
      : {}),
    ordersInWindow,
    readUnitsPerRun: readUnits * scale,
    writeUnitsPerRun: writeUnits,
    hottestReadPerSecond,
    hottestWritePerSecond,
    fits: hottestReadPerSecond <= PARTITION_LIMITS.readUnitsPerSecond && hottestWritePerSecond <= PARTITION_LIMITS.writeUnitsPerSecond,
  };
}
