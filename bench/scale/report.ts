import { shortTable } from '../lib/consumed-capacity';
import { num } from '../lib/format';
import type { HotSkuRun } from './hot-sku';
import type { JobResult } from './jobs';
import { headline, hottestCatalog, jobAtRate, limitingRate, type PatternRow, patternRows } from './limits';
import type { ScaleOptions } from './options';
import type { OrdersResult } from './orders';
import type { ScaleContext } from './workload';

export interface ScaleResults {
  readonly orders: OrdersResult;
  readonly jobs: JobResult[];
  /** The hot SKU with --shards stock shards. */
  readonly hot: HotSkuRun;
  /** The same run with one stock item, for comparison. */
  readonly hotOne: HotSkuRun;
}

/** The figures the report and the docs quote. */
export interface ScaleFigures {
  readonly rows: PatternRow[];
  readonly limit?: PatternRow;
  /** Orders per second store-wide before the hottest shared partition reaches its limit. */
  readonly rate: number;
  /** Units per second one hot SKU takes before its busiest stock item reaches its limit (with --shards stock shards). */
  readonly hotUnitsPerSecond: number;
  /** The same with one stock item. */
  readonly hotOneUnitsPerSecond: number;
  /** Units of the hot SKU granted beyond its stock, or reserved on its items beyond the grants. */
  readonly oversold: number;
  readonly line: string;
}

/** A table's short name, e.g. Stockade-dev-Data-OrdersTable315BB997 -> Orders. */
const tableName = (physical: string) => shortTable(physical);

const rateText = (r: number) => (Number.isFinite(r) ? Math.round(r).toLocaleString('en-US') : '∞');

export function scaleFigures(r: ScaleResults, opts: ScaleOptions): ScaleFigures {
  const rows = patternRows(r.orders.partitions, { orders: Math.max(1, r.orders.sent), customers: opts.customers, tableName });
  const limit = headline(rows);
  const rate = limit?.rate ?? Number.POSITIVE_INFINITY;
  const hotUnitsPerSecond = limitingRate(r.hot.writePerReservation, r.hot.readPerReservation);
  const hotOneUnitsPerSecond = limitingRate(r.hotOne.writePerReservation, r.hotOne.readPerReservation);
  const oversold = oversoldIn(r.hot) + oversoldIn(r.hotOne);
  const where = limit ? `${limit.table}${limit.index ? `/${limit.index}` : ''}, ${limit.pattern}` : 'no shared partition';
  // Plain integers in the line, so a script comparing two runs can read it.
  const plain = (n: number) => (Number.isFinite(n) ? String(Math.round(n)) : 'unlimited');
  const line = `scale: ${plain(rate)} orders/s before ${where} reaches its partition limit; hot SKU: ${plain(hotUnitsPerSecond)} units/s with ${r.hot.shards} stock shards, oversold ${oversold}`;
  return { rows, ...(limit ? { limit } : {}), rate, hotUnitsPerSecond, hotOneUnitsPerSecond, oversold, line };
}

/** Units granted beyond the stock, or reserved on the stock items beyond the grants (or fewer: lost). */
function oversoldIn({ result, stock }: HotSkuRun): number {
  return Math.max(0, result.reserved - stock, result.reservedOnItems - stock) + Math.abs(result.oversold);
}

/** The markdown report: the run, partitions by key pattern, scheduled jobs at the rate, the hot SKU, the line. */
export function scaleReport(r: ScaleResults, f: ScaleFigures, opts: ScaleOptions, ctx: Pick<ScaleContext, 'skusByRank' | 'products'>): string {
  const o = r.orders;
  const top = [...o.unitsBySku].sort((a, b) => b[1] - a[1])[0];
  return [
    '### The run',
    '',
    `${o.fulfilled} of ${o.sent} orders reached FULFILLED in ${num(o.seconds)} s (${opts.concurrency} at a time${o.skipped ? `; ${o.skipped} not started before the timeout` : ''}), ${o.lines} lines (${num(o.lines / Math.max(1, o.fulfilled), 2)} per order) over ${ctx.skusByRank.length} SKUs of ${ctx.products} products, ${opts.customers} customers, Zipf s = ${num(opts.zipfHundredths / 100, 2)}, seed ${opts.seed}. Most sold SKU: ${top ? `${top[1]} units (${num((100 * top[1]) / Math.max(1, o.lines), 1)}% of lines)` : '—'}. TransactionConflict refusals during the run: ${o.conflicts}.${o.problems.length ? ` Problems (${o.problems.length}): ${[...new Set(o.problems)].slice(0, 3).join('; ')}` : ''}`,
    '',
    '### Partitions by key pattern',
    '',
    patternTable(f.rows, opts),
    '',
    catalogNote(f.rows, o),
    '',
    `### Scheduled jobs at ${rateText(f.rate)} orders/s`,
    '',
    jobTable(r.jobs, o.sent, f.rate),
    '',
    ...jobNotes(r.jobs, o.sent, f.rate).flatMap((note) => [note, '']),
    '### Hot SKU',
    '',
    hotTable([r.hotOne, r.hot]),
    '',
    `\`${f.line}\``,
  ].join('\n');
}

/** What bounds the catalog rows, which the headline leaves out. */
function catalogNote(rows: readonly PatternRow[], o: ScaleResults['orders']): string {
  const catalog = hottestCatalog(rows);
  if (!catalog) return 'No catalog partition was shared by more than one order.';
  const top = [...o.unitsBySku].sort((a, b) => b[1] - a[1])[0];
  const share = top ? top[1] / Math.max(1, o.sent) : 0;
  return [
    `Catalog partitions hold one item each (a SKU, its stock shards, a product) and are bound by that item's share of the orders, which the popularity mix sets, not by the keys: the headline counts shared partitions only.`,
    `Here the first to reach its limit is ${catalog.table}${catalog.index ? ` / ${catalog.index}` : ''} \`${catalog.pattern}\` (item \`${catalog.hottest}\`) at **${rateText(catalog.rate)}** orders/s of this mix${top ? `, when the most sold SKU (${num(share, 2)} units per order) sells ${rateText(catalog.rate * share)} units/s` : ''}.`,
    `What one SKU takes is measured under Hot SKU: stock shards spread its reservations' writes; its reads at checkout (the SKU item, its shards and its product, strongly consistent) stay on its items, each read by every checkout of that SKU.`,
  ].join(' ');
}

function patternTable(rows: readonly PatternRow[], opts: ScaleOptions): string {
  const cell = (row: PatternRow) => {
    if (row.scope === 'order') return 'unlimited: each order brings its own partition';
    if (row.scope === 'customer')
      return `${rateText(row.perCustomerRate ?? Number.NaN)} per customer (${rateText(row.rate)} with this run's ${opts.customers} customers; × customers)`;
    return `**${rateText(row.rate)}** (${row.binding})`;
  };
  const per = (row: PatternRow) => (row.scope === 'order' ? 'per own order' : 'per order');
  return [
    '| Table / index | Key pattern | Scope | Partitions | Hottest partition: WCU / RCU | Orders/s at its limit |',
    '|---|---|---|--:|--:|---|',
    ...rows.map(
      (row) =>
        `| ${row.table}${row.index ? ` / ${row.index}` : ''} | \`${row.pattern}\` | ${row.scope} | ${row.partitions} | ${num(row.writePerOrder, 2)} / ${num(row.readPerOrder, 2)} ${per(row)} | ${cell(row)} |`,
    ),
  ].join('\n');
}

function jobTable(jobs: readonly JobResult[], orders: number, rate: number): string {
  return [
    '| Job (schedule) | This run: RCU / WCU, ms | Hottest partition this run (RCU / WCU) | Orders in its window at the rate | RCU / WCU per run at the rate | Hottest partition per second over its timeout (RCU / WCU) | Fits the partition limits |',
    '|---|--:|---|--:|--:|--:|---|',
    ...jobs.map((job) => {
      const at = jobAtRate(job, orders, rate, tableName);
      const hottest = at.hottest
        ? `${at.hottest.table}${at.hottest.index ? ` / ${at.hottest.index}` : ''} \`${at.hottest.partitionKey}\` (${num(at.hottest.readUnits, 1)} / ${num(at.hottest.writeUnits, 1)})`
        : 'none';
      return `| ${job.job} (${job.expression})${job.ok ? '' : ` — failed: ${job.error ?? ''}`} | ${num(at.readUnits, 1)} / ${num(at.writeUnits, 1)}, ${num(job.ms, 0)} | ${hottest} | ${job.windowSeconds > 0 ? Math.round(at.ordersInWindow).toLocaleString('en-US') : '—'} (${job.windowNote}) | ${fmt(at.readUnitsPerRun)} / ${fmt(at.writeUnitsPerRun)} | ${fmt(at.hottestReadPerSecond)} / ${fmt(at.hottestWritePerSecond)} over ${job.timeoutSeconds} s | ${at.fits ? 'yes' : '**no**'} |`;
    }),
  ].join('\n');
}

/**
 * What a windowed job that does not fit means: its measured reads scale with the orders of its window, an upper bound
 * on the partition (a Query costs at least 0.5 RCU however few index entries it returns, and that floor is what a short
 * run mostly pays), while the work itself does not shrink with any count of units: one run reads every order of the window.
 */
export function jobNotes(jobs: readonly JobResult[], orders: number, rate: number): string[] {
  return jobs.flatMap((job) => {
    const at = jobAtRate(job, orders, rate, tableName);
    if (at.fits || job.windowSeconds === 0) return [];
    const perSecond = at.ordersInWindow / job.timeoutSeconds;
    const measured = job.ms > 0 ? orders / (job.ms / 1000) : Number.NaN;
    return [
      `${job.job} does not fit at this rate. Its row scales the measured run's reads by the orders of its window, which overstates the partition (each of the run's Queries costs at least 0.5 RCU, and with ${orders.toLocaleString('en-US')} orders most of its reads are that floor), but the conclusion holds however the units are counted: one run would read ${Math.round(at.ordersInWindow).toLocaleString('en-US')} orders, ${fmt(perSecond)} a second over its ${job.timeoutSeconds} s timeout (this run read ${fmt(measured)} a second here), and the order item and payment of each. Reconciling at Black Friday rates needs each order checked once, when it settles, rather than its whole lookback re-read every run; that design is not built.`,
    ];
  });
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : num(n, 1));

function hotTable(runs: readonly HotSkuRun[]): string {
  const row = (measure: string, cell: (run: HotSkuRun) => string) => `| ${measure} | ${runs.map(cell).join(' | ')} |`;
  return [
    `| Measure | ${runs.map((run) => `S = ${run.shards}`).join(' | ')} |`,
    `|---|${runs.map(() => '--:').join('|')}|`,
    row('Concurrent reservations of one SKU (real DynamoDbStockLedger, retried as the saga does)', ({ result: h, stock }) => {
      const refused = [...new Set(h.other)].join(', ') || '—';
      return `${h.attempts} for ${stock} units: ${h.reserved} reserved, ${h.other.length} refused (${refused}), ${h.gaveUp} gave up, in ${num(h.seconds, 1)} s`;
    }),
    row(
      'TransactionConflict cancellations',
      ({ result: h }) => `${h.conflicts} (${num(h.conflicts / Math.max(1, h.attempts), 2)} per reservation); ${h.sagaRetries} went round the saga's retry`,
    ),
    row(
      "Busiest stock item's partition per unit reserved (lost attempts included)",
      (run) => `${num(run.writePerReservation, 2)} WCU / ${num(run.readPerReservation, 2)} RCU`,
    ),
    row(
      "Units per second one SKU takes before its busiest stock item's partition limit",
      (run) => `**${rateText(limitingRate(run.writePerReservation, run.readPerReservation))}**`,
    ),
    row('Stock items after the run', (run) => `${run.result.reservedOnItems} reserved of ${run.result.onHand} on hand; oversold **${oversoldIn(run)}**`),
  ].join('\n');
}
