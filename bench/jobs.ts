/**
 * Listings and jobs at table size (issue 12, item 6): whether a listing's read capacity grows with the table, and what
 * the reconciliation costs with 100,000 orders in its window.
 *
 *   npm run bench:jobs [-- --orders 100000] [-- --small 1000] [-- --seed 7] [-- --stage dev] [-- --no-synth]
 *
 * Boots the local runtime in this process (state in bench/.out/jobs) for its DynamoDB Local and the template's tables,
 * copies the orders and payments tables into scratch tables, and seeds orders as the adapters write them (orderItem,
 * vendorViewItems, paymentRecordItem), spread evenly over the last 72 hours: --small of them first, then up to
 * --orders. At each size it reads the first full page of each listing through the real repositories on a metered
 * client (ReturnConsumedCapacity), so the two sizes are compared page for page. With the table full it runs the
 * reconciliation over its whole window with the real order repository and payment records, Stripe's side being an
 * in-process history of the seeded PaymentIntents (all paid as recorded, so a correct run finds nothing), once with
 * 60-minute slices and once in a single slice, recording time, capacity and how far the heap grew. Prints the tables
 * and rewrites the "Jobs at scale" section of docs/benchmarks.md. The runtime is stopped at the end, also on error.
 */
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { STAGES, type Stage } from '../lib/config/stage-config';
import { STAGE_DEFAULTS } from '../lib/config/stages';
import { orderItem, vendorViewItems } from '../shared/adapters/dynamodb-order-items';
import { DynamoDbOrderRepository } from '../shared/adapters/dynamodb-order-repository';
import { DynamoDbPaymentRecordLookup } from '../shared/adapters/dynamodb-payment-record-lookup';
import { DynamoDbPaymentRecords, paymentRecordItem } from '../shared/adapters/dynamodb-payment-records';
import { DynamoDbVendorOrderRepository } from '../shared/adapters/dynamodb-vendor-order-repository';
import type { OrderLine, StoredOrder } from '../shared/domain/model/order';
import { reconcilePayments } from '../shared/domain/payments/reconciliation';
import type { PaymentGateway } from '../shared/ports/payment-gateway';
import type { PaymentHistory, ProviderPaymentSummary } from '../shared/ports/payment-history';
import type { ReconciliationReport } from '../shared/ports/reconciliation-reports';
import { publishSection } from './lib/benchmarks-doc';
import { benchCommand, integerOption } from './lib/cli-options';
import { CapacityMeter } from './lib/consumed-capacity';
import { num } from './lib/format';
import { type BenchStageOptions, benchDirectories, prepareStage, withLocalRuntime } from './lib/local-runtime';
import { loadAverage, machineDescription, measuredAt } from './lib/machine';
import { BENCH_OUT } from './lib/paths';
import { log } from './lib/progress';
import { localAws, tableNamed } from './lib/runtime-clients';
import { cloneTable, putAll } from './lib/scratch-tables';
import { mulberry32 } from './lib/seeded-random';
import { sourceRevision } from './lib/source-revision';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const DIRECTORIES = benchDirectories(path.join(BENCH_OUT, 'jobs'));
const WINDOW_HOURS = 72;
const CUSTOMERS = 1_000;
const VENDORS = ['vendor-a', 'vendor-b', 'vendor-c', 'vendor-d'];
/** One customer with more orders than a page at every size, so its first page is full at both sizes. */
const REGULAR = 'customer-regular';
const PAGE = { admin: 50, customer: 20, vendor: 20 };

interface JobsOptions extends BenchStageOptions {
  readonly orders: number;
  readonly small: number;
  readonly seed: number;
  readonly command: string;
}

/** The settings of the stage played (a stage of the app; dev's for any other name). */
function stageDefaults(stage: string): (typeof STAGE_DEFAULTS)[Stage] {
  return STAGE_DEFAULTS[(STAGES as readonly string[]).includes(stage) ? (stage as Stage) : 'dev'];
}

function jobsOptions(): JobsOptions {
  const { values } = parseArgs({
    options: {
      orders: { type: 'string', default: '100000' },
      small: { type: 'string', default: '1000' },
      seed: { type: 'string', default: '7' },
      stage: { type: 'string', default: 'dev' },
      'no-synth': { type: 'boolean', default: false },
    },
  });
  const small = integerOption('small', values.small, 200, 100_000);
  return {
    small,
    orders: integerOption('orders', values.orders, small, 500_000),
    seed: integerOption('seed', values.seed, 0, 2 ** 31 - 1),
    stage: values.stage,
    synth: !values['no-synth'],
    command: benchCommand('bench:jobs'),
  };
}

/** The seeded orders: paid, fulfilled, each with its PaymentIntent as Stripe would list it. */
class SeededShop {
  readonly intents: ProviderPaymentSummary[] = [];
  private readonly random: () => number;

  constructor(
    seed: number,
    readonly runAt: Date,
    /** The byStatus index's shard count of the stage played, as its functions key the orders. */
    private readonly statusShards: number,
  ) {
    this.random = mulberry32(seed);
  }

  /** `count` more orders, their vendor views and payment records, created evenly over the window (seeded jitter). */
  batch(count: number, start: number, of: number): Array<Record<string, unknown>>[] {
    const orders: Array<Record<string, unknown>> = [];
    const records: Array<Record<string, unknown>> = [];
    const windowMs = WINDOW_HOURS * 3_600_000;
    for (let i = start; i < start + count; i++) {
      // Oldest first, inside the window and before its settle time (the newest 10 minutes are left out).
      const createdMs = this.runAt.getTime() - windowMs + 60_000 + ((i + this.random()) / of) * (windowMs - 11 * 60_000);
      const createdAt = new Date(createdMs).toISOString();
      const orderId = `01SEED${String(i).padStart(20, '0')}`;
      const customerId = i % 20 === 0 ? REGULAR : `customer-${Math.floor(this.random() * CUSTOMERS)}`;
      const lines: OrderLine[] = Array.from({ length: 1 + Math.floor(this.random() * 3) }, (_, l) => {
        const unitPrice = { amount: 500 + Math.floor(this.random() * 4_500), currency: 'EUR' };
        return {
          sku: `SKU-${Math.floor(this.random() * 1_200)}-${l}`,
          productId: `product-${Math.floor(this.random() * 500)}`,
          vendorId: VENDORS[Math.floor(this.random() * VENDORS.length)] as string,
          quantity: 1,
          unitPrice,
          lineTotal: unitPrice,
        };
      });
      const total = { amount: lines.reduce((sum, l) => sum + l.lineTotal.amount, 0), currency: 'EUR' };
      const paymentIntentId = `pi_seed${String(i).padStart(17, '0')}`;
      const order: StoredOrder = {
        orderId,
        customerId,
        status: 'FULFILLED',
        lines,
        total,
        payment: { provider: 'stripe', paymentIntentId, status: 'succeeded' },
        fulfilmentReference: `ship-${i}`,
        createdAt,
        updatedAt: createdAt,
      };
      orders.push(orderItem(order, this.statusShards), ...vendorViewItems(order, this.statusShards));
      records.push(paymentRecordItem({ paymentIntentId, orderId, amount: total, createdAt }, 'SUCCEEDED'));
      this.intents.push({ paymentIntentId, status: 'succeeded', amount: total.amount, currency: 'eur', orderId, created: Math.floor(createdMs / 1000) });
    }
    return [orders, records];
  }

  /** Stripe's side of the window, as reconciliation pages through it. */
  history(): PaymentHistory {
    const intents = this.intents;
    return {
      async *paymentIntents(from: Date, to: Date) {
        const [gte, lte] = [Math.floor(from.getTime() / 1000), Math.floor(to.getTime() / 1000)];
        for (const pi of intents) if (pi.created >= gte && pi.created <= lte) yield pi;
      },
      // eslint-disable-next-line require-yield -- the seeded shop refunded nothing
      async *refunds() {
        return;
      },
    };
  }

  /** What reconciliation may ask Stripe of one PaymentIntent (one not in its slice); nothing else is expected. */
  gateway(): PaymentGateway {
    const byId = new Map(this.intents.map((pi) => [pi.paymentIntentId, pi]));
    const unexpected = (what: string) => () => Promise.reject(new Error(`${what} is not expected of a clean shop`));
    return {
      retrieve: async (id) => {
        const pi = byId.get(id);
        if (!pi) throw new Error(`No PaymentIntent ${id}`);
        return { paymentIntentId: id, status: pi.status, amount: { amount: pi.amount, currency: 'EUR' }, ...(pi.orderId ? { orderId: pi.orderId } : {}) };
      },
      createPaymentIntent: unexpected('createPaymentIntent'),
      cancel: unexpected('cancel'),
      refundsOf: unexpected('refundsOf'),
      refund: unexpected('refund'),
    };
  }
}

interface ListingFigures {
  readonly listing: string;
  readonly items: number;
  readonly readUnits: number;
}

interface JobRun {
  readonly slices: string;
  readonly report: ReconciliationReport;
  readonly ms: number;
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly calls: number;
  readonly heapGrowthMb: number;
}

async function main(): Promise<void> {
  const opts = jobsOptions();
  const started = Date.now();
  const loadBefore = loadAverage();
  await prepareStage(opts, DIRECTORIES);
  await withLocalRuntime(opts, DIRECTORIES, started, async (runtime) => {
    const meter = new CapacityMeter();
    const ddb = meter.client({ ...localAws(runtime.endpoints.aws.dynamodb), maxAttempts: 3 });
    const scratch = { orders: `bench-jobs-orders-${randomUUID().slice(0, 8)}`, payments: `bench-jobs-payments-${randomUUID().slice(0, 8)}` };
    const created: string[] = [];
    try {
      await cloneTable(ddb, tableNamed(runtime.endpoints, 'OrdersTable'), scratch.orders);
      created.push(scratch.orders);
      await cloneTable(ddb, tableNamed(runtime.endpoints, 'PaymentsTable'), scratch.payments);
      created.push(scratch.payments);
      const statusShards = stageDefaults(opts.stage).orders.statusShards;
      const shop = new SeededShop(opts.seed, new Date(), statusShards);
      const orders = new DynamoDbOrderRepository(ddb, scratch.orders, statusShards);
      const vendorOrders = new DynamoDbVendorOrderRepository(ddb, scratch.orders, statusShards);
      const window = { from: new Date(shop.runAt.getTime() - WINDOW_HOURS * 3_600_000).toISOString(), to: shop.runAt.toISOString() };

      const seed = async (from: number, to: number) => {
        const seededAt = Date.now();
        for (let start = from; start < to; start += 5_000) {
          const [orderItems, recordItems] = shop.batch(Math.min(5_000, to - start), start, opts.orders);
          await putAll(ddb, scratch.orders, orderItems ?? []);
          await putAll(ddb, scratch.payments, recordItems ?? []);
          log(
            `  seeded ${Math.min(start + 5_000, to).toLocaleString('en-US')} of ${to.toLocaleString('en-US')} orders (${((Date.now() - seededAt) / 1000).toFixed(0)} s)`,
          );
        }
      };
      const measure = async (): Promise<ListingFigures[]> => {
        const page = async (listing: string, read: () => Promise<{ items: readonly unknown[] }>) => {
          meter.step = listing;
          const before = meter.uses.length;
          const { items } = await read();
          const readUnits = meter.uses.slice(before).reduce((sum, u) => sum + (u.kind === 'read' ? u.units : 0), 0);
          return { listing, items: items.length, readUnits };
        };
        return [
          await page(`GET /admin/orders?status=FULFILLED (limit ${PAGE.admin})`, () => orders.listByStatus('FULFILLED', { ...window, limit: PAGE.admin })),
          await page(`GET /orders, one customer (limit ${PAGE.customer})`, () => orders.listByCustomer(REGULAR, { limit: PAGE.customer })),
          await page(`GET /vendor/orders, one vendor (limit ${PAGE.vendor})`, () => vendorOrders.listByVendor(VENDORS[0] as string, { limit: PAGE.vendor })),
        ];
      };

      log(`Seeding ${opts.small.toLocaleString('en-US')} orders...`);
      await seed(0, opts.small);
      const small = await measure();
      log(`Seeding up to ${opts.orders.toLocaleString('en-US')} orders...`);
      await seed(opts.small, opts.orders);
      const large = await measure();

      const runs: JobRun[] = [];
      for (const [slices, sliceMinutes] of [
        ['60-minute slices', 60],
        ['one slice (the whole window at once)', WINDOW_HOURS * 60],
      ] as const) {
        log(`Reconciling ${opts.orders.toLocaleString('en-US')} orders, ${slices}...`);
        runs.push(
          await reconcileOnce(
            shop,
            orders,
            { records: new DynamoDbPaymentRecords(ddb, scratch.payments), lookup: new DynamoDbPaymentRecordLookup(ddb, scratch.payments) },
            meter,
            slices,
            sliceMinutes,
          ),
        );
      }
      const report = jobsReport(opts, small, large, runs);
      console.log(`\n${report}\n`);
      publishSection('jobs', jobsSection(opts, loadBefore, report), started);
    } finally {
      for (const table of created) await ddb.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
      ddb.destroy();
    }
  });
}

/**
 * One reconciliation of the whole window: time, capacity, calls, and how far its live heap grew: every 250 ms a forced
 * collection (node --expose-gc) and a heapUsed sample, so garbage not yet collected is not counted as held. The time
 * includes those collections, in both runs alike.
 */
async function reconcileOnce(
  shop: SeededShop,
  orders: DynamoDbOrderRepository,
  payments: { records: DynamoDbPaymentRecords; lookup: DynamoDbPaymentRecordLookup },
  meter: CapacityMeter,
  slices: string,
  sliceMinutes: number,
): Promise<JobRun> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('Run with node --expose-gc (npm run bench:jobs does): live heap is measured after forced collections');
  gc();
  const baseline = process.memoryUsage().heapUsed;
  let peak = baseline;
  const sampler = setInterval(() => {
    gc();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 250);
  meter.step = `reconcile ${slices}`;
  const before = meter.uses.length;
  const startedAt = performance.now();
  const saved: ReconciliationReport[] = [];
  const report = await reconcilePayments(
    {
      history: shop.history(),
      payments: shop.gateway(),
      orders,
      records: payments.records,
      recordLookup: payments.lookup,
      waits: { succeed: () => Promise.reject(new Error('no wait to answer')), fail: () => Promise.reject(new Error('no wait to answer')) },
      reports: { save: async (r) => void saved.push(r), latest: async () => saved.at(-1) },
      // The run's own audit entry is not what is measured (the audit table is hash-chained per shard).
      audit: { append: async () => undefined, list: async () => ({ items: [] }) },
      now: () => shop.runAt,
    },
    { windowHours: WINDOW_HOURS, stuckAfterMinutes: 30, settleSeconds: 300, remedies: [], sliceMinutes },
  );
  const ms = performance.now() - startedAt;
  clearInterval(sampler);
  const uses = meter.uses.slice(before);
  return {
    slices,
    report,
    ms,
    readUnits: uses.reduce((sum, u) => sum + (u.kind === 'read' ? u.units : 0), 0),
    writeUnits: uses.reduce((sum, u) => sum + (u.kind === 'write' ? u.units : 0), 0),
    calls: uses.length,
    heapGrowthMb: (peak - baseline) / 1_048_576,
  };
}

function jobsReport(opts: JobsOptions, small: readonly ListingFigures[], large: readonly ListingFigures[], runs: readonly JobRun[]): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const ratios = large.map((l, i) => l.readUnits / (small[i]?.readUnits ?? Number.NaN));
  const worst = Math.max(...ratios);
  return [
    `### Listings: read units of a first full page, ${n(opts.small)} and ${n(opts.orders)} orders in the table`,
    '',
    `| Listing | Items | Read units at ${n(opts.small)} | Read units at ${n(opts.orders)} | Ratio |`,
    '|---|--:|--:|--:|--:|',
    ...large.map(
      (l, i) => `| ${l.listing} | ${l.items} | ${num(small[i]?.readUnits ?? Number.NaN)} | ${num(l.readUnits)} | ${num(ratios[i] ?? Number.NaN, 2)} |`,
    ),
    '',
    `Worst ratio ${num(worst, 2)} (target ≤ 1.1): every listing is a Query on its index key with a Limit, then one BatchGetItem of the page's items; neither reads anything the page does not show.`,
    '',
    `### Reconciliation with ${n(opts.orders)} orders in its ${WINDOW_HOURS}-hour window`,
    '',
    '| Run | Checked | Discrepancies | Time (s) | DynamoDB calls | Read units | Write units | Live heap growth (MB) |',
    '|---|--:|--:|--:|--:|--:|--:|--:|',
    ...runs.map(
      (r) =>
        `| ${r.slices} | ${n(r.report.checked)} | ${r.report.discrepancies.length + (r.report.omitted ?? 0)} | ${num(r.ms / 1000)} | ${n(r.calls)} | ${n(Math.round(r.readUnits))} | ${n(Math.round(r.writeUnits))} | ${num(r.heapGrowthMb)} |`,
    ),
  ].join('\n');
}

function jobsSection(opts: JobsOptions, loadBefore: string, report: string): string {
  return [
    '## Jobs at scale',
    '',
    `Measured ${measuredAt()} with \`${opts.command}\`: stage ${opts.stage}, source ${sourceRevision(['bench', 'shared'])}, seed ${opts.seed}, one local runtime (state in bench/.out/jobs).`,
    `Machine: ${machineDescription()}. 1-minute load average before the run: ${loadBefore}.`,
    '',
    "Method: the orders and payments tables are copied from the template into scratch tables and seeded with paid, fulfilled orders as the adapters write them (the order item, one vendor view per vendor, the payment record), created evenly over the last 72 hours, over 1,000 customers and 4 vendors; one customer has an order in every 20 so its first page is full at both sizes. Each listing reads its first full page through the real repository on a client that asks DynamoDB Local for ConsumedCapacity. The reconciliation runs over the seeded window with the real order repository and payment records, and Stripe as an in-process list of the seeded PaymentIntents (the function itself pages Stripe's API): a clean shop, so a correct run reports nothing. Live heap growth is the most the run held above what it started with: every 250 ms a forced collection, then heapUsed (so the time includes those collections, in both runs alike); the seeded Stripe list is allocated before the run and not counted.",
    '',
    'The other scheduled jobs do not grow with the orders in a window: the sweeper reads expired holds (abandoned checkouts), the relay pending stock notices and the full sync the providers\' snapshots (see "Scheduled jobs" in the Scale section).',
    '',
    report,
  ].join('\n');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
