/**
 * Checkout benchmark: how many checkouts per second the local runtime takes, how far the saga keeps up, what the
 * same DynamoDB Local does with the saga's transaction on its own, and what an order costs at AWS on-demand prices.
 *
 *   npm run bench:checkout [-- --orders 200] [-- --concurrency 16] [-- --paid 5] [-- --capacity 5]
 *                          [-- --transactions 1000] [-- --timeout 180] [-- --stage dev] [-- --no-synth]
 *
 * Synthesizes the stage, boots the local runtime in this process (state in bench/.out/checkout, its own ports), and:
 *  1. fires --orders POST /checkout as the demo customer for one fresh SKU, --concurrency at a time, and watches the
 *     orders table until every accepted order is AWAITING_PAYMENT (the saga's ReserveStock, CreatePaymentIntent and
 *     AwaitPayment have run);
 *  2. pays --paid orders one at a time (after one warm-up order) through to FULFILLED with the Stripe stand-in,
 *     counting the Lambda invocations, their durations and the Step Functions states each order costs;
 *  3. drives --capacity orders through the real DynamoDB adapters and domain use cases with ReturnConsumedCapacity,
 *     which DynamoDB Local answers, for the read and write units of one order;
 *  4. runs --transactions of ReserveStock's transaction (the real DynamoDbStockLedger.reserve) against scratch copies
 *     of the catalog and orders tables, on distinct SKUs, then on one hot SKU;
 * prints markdown tables and rewrites the "Checkout" section of docs/benchmarks.md. The runtime is stopped at the end,
 * also on error or Ctrl-C.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  type WriteRequest,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, DescribeStateMachineCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context } from 'aws-lambda';
import Stripe from 'stripe';
import { ulid } from 'ulid';
import { PROJECT_ROOT } from '../lib/constructs/stockade-function';
import { signInWithPassword } from '../local/identity/sign-in';
import { LocalRuntime } from '../local/runtime';
import { localCredentials } from '../local/services/credentials';
import { synthesizeStage } from '../local/synth';
import { DynamoDbCatalogRepository } from '../shared/adapters/dynamodb-catalog-repository';
import { orderItem } from '../shared/adapters/dynamodb-order-items';
import { DynamoDbOrderRepository } from '../shared/adapters/dynamodb-order-repository';
import { DynamoDbPaymentEventLedger } from '../shared/adapters/dynamodb-payment-event-ledger';
import { DynamoDbPaymentRecords } from '../shared/adapters/dynamodb-payment-records';
import { DynamoDbStockLedger } from '../shared/adapters/dynamodb-stock-ledger';
import { type CheckoutCall, checkoutIdempotencyConfig } from '../shared/config/checkout-idempotency';
import { checkout, type CheckoutDeps } from '../shared/domain/orders/checkout';
import { handOffOrder } from '../shared/domain/orders/fulfilment';
import type { OrderStatus, StoredOrder } from '../shared/domain/orders/order';
import { awaitPayment, commitOrder, createPaymentIntent, DEFAULT_HOLD_SECONDS, receivePaymentOutcome, reserveStock } from '../shared/domain/orders/saga';
import { TransientError } from '../shared/domain/orders/saga-errors';
import type { PaymentGateway } from '../shared/ports/payment-gateway';
import type { ProviderEvent } from '../shared/ports/payment-events';
import { type ApiResponse, apiCaller } from '../local/clients/api-client';
import { writeDocSection } from './lib/benchmarks-doc';
import { sourceRevision } from './lib/source-revision';
import { CapacityMeter, type CapacityUse } from './lib/consumed-capacity';
import { InvocationLog, type FunctionTally } from './lib/lambda-invocations';
import { clockTicksPerSecond, coresBusy, type CpuSnapshot, cpuSnapshot } from './lib/process-cpu';
import { median, percentile } from './lib/stats';

// Lambda runs Node 24; the SDK's warning about this machine's Node 20 says nothing about the deployed system.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const OUT = path.join(__dirname, '.out', 'checkout');
const DOC = path.join(PROJECT_ROOT, 'docs', 'benchmarks.md');
const REGION = 'us-east-1';
/** How often the orders table is read while waiting for orders to move. */
const POLL_MS = 200;
/** Stock of the benchmark SKU: far more than any run sells. */
const BENCH_STOCK = 1_000_000;
/** Orders sent to the single hot SKU in the raw-transaction contention run, at most. */
const MAX_HOT_TRANSACTIONS = 400;
/**
 * Characters of the Step Functions task token stored on the order while it awaits payment. AWS tokens are opaque
 * and far longer than the local interpreter's 86; the capacity run assumes this many (it sets the order item's size).
 */
const TASK_TOKEN_CHARS = 700;
/** The ids the capacity run gives the Stripe stand-ins' objects, shaped like Stripe's (pi_ + 24 characters). */
const stripeLikeId = (prefix: string, chars = 24) => `${prefix}_${randomBytes(chars).toString('base64url').replace(/[-_]/g, 'x').slice(0, chars)}`;

/** Public on-demand prices, us-east-1, USD (checked by hand; see the section's notes). */
const PRICES = {
  writeRequestUnit: 0.625 / 1e6,
  readRequestUnit: 0.125 / 1e6,
  stateTransition: 0.025 / 1000,
  lambdaRequest: 0.2 / 1e6,
  lambdaArmGbSecond: 0.0000133334,
  restApiRequest: 3.5 / 1e6,
  sqsRequest: 0.4 / 1e6,
};
/** SQS requests per order on the fulfilment queue: SendMessage, then Lambda's ReceiveMessage and DeleteMessage. */
const SQS_REQUESTS_PER_ORDER = 3;

interface Options {
  readonly orders: number;
  readonly concurrency: number;
  readonly paid: number;
  readonly capacity: number;
  readonly transactions: number;
  readonly timeoutSeconds: number;
  readonly stage: string;
  readonly synth: boolean;
  readonly command: string;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      orders: { type: 'string', default: '200' },
      concurrency: { type: 'string', default: '16' },
      paid: { type: 'string', default: '5' },
      capacity: { type: 'string', default: '5' },
      transactions: { type: 'string', default: '1000' },
      timeout: { type: 'string', default: '180' },
      stage: { type: 'string', default: 'dev' },
      'no-synth': { type: 'boolean', default: false },
    },
  });
  const int = (name: string, value: string, min: number, max: number): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max}, got ${value}`);
    return n;
  };
  const args = process.argv.slice(2).join(' ');
  return {
    orders: int('orders', values.orders, 1, 5_000),
    concurrency: int('concurrency', values.concurrency, 1, 64),
    paid: int('paid', values.paid, 1, 20),
    capacity: int('capacity', values.capacity, 1, 50),
    transactions: int('transactions', values.transactions, 1, 10_000),
    timeoutSeconds: int('timeout', values.timeout, 10, 600),
    stage: values.stage,
    synth: !values['no-synth'],
    command: `npm run bench:checkout${args ? ` -- ${args}` : ''}`,
  };
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '—');
const num = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '—');
const usd = (n: number) => `$${n < 0.01 ? n.toFixed(5) : n.toFixed(4)}`;

/** Runs task(0..count-1), at most `concurrency` at a time; resolves when every one has settled. */
async function pool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) await task(i);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP and identity

/** The local API as the benchmark's client calls it: a generous timeout, so a stuck request fails the run. */
const callApi = (apiUrl: string, ...args: Parameters<ReturnType<typeof apiCaller>>) => apiCaller(apiUrl, { timeoutMs: 60_000 })(...args);


// ---------------------------------------------------------------------------------------------------------------
// Orders table reads while waiting

/** Current status of each order (strongly consistent BatchGetItem, 100 keys a call); unknown ids are left out. */
async function orderStatuses(ddb: DynamoDBClient, table: string, orderIds: readonly string[]): Promise<Map<string, OrderStatus>> {
  const statuses = new Map<string, OrderStatus>();
  for (let i = 0; i < orderIds.length; i += 100) {
    const keys = orderIds.slice(i, i + 100).map((id) => marshall({ pk: `ORDER#${id}`, sk: 'ORDER' }));
    const out = await ddb.send(
      new BatchGetItemCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true, ProjectionExpression: 'orderId, #s', ExpressionAttributeNames: { '#s': 'status' } } } }),
    );
    for (const raw of out.Responses?.[table] ?? []) {
      const item = unmarshall(raw);
      statuses.set(String(item.orderId), item.status as OrderStatus);
    }
  }
  return statuses;
}

const PAST_AWAITING = new Set<OrderStatus>(['AWAITING_PAYMENT', 'CONFIRMED', 'FULFILLED']);
const ENDED = new Set<OrderStatus>(['FAILED', 'CANCELLED', 'REFUNDED']);

/** Polls one order until `done(status)` or an ended status, at most `timeoutMs`; returns the last status seen. */
async function waitForOrder(ddb: DynamoDBClient, table: string, orderId: string, done: (s: OrderStatus) => boolean, timeoutMs: number): Promise<OrderStatus | undefined> {
  let status: OrderStatus | undefined;
  for (let i = 0; i < Math.ceil(timeoutMs / POLL_MS); i++) {
    status = (await orderStatuses(ddb, table, [orderId])).get(orderId);
    if (status && (done(status) || ENDED.has(status))) return status;
    await sleep(POLL_MS);
  }
  return status;
}

// ---------------------------------------------------------------------------------------------------------------
// Phase 1: checkouts over HTTP, and the saga's progress to AWAITING_PAYMENT

interface ThroughputResult {
  readonly sent: number;
  readonly accepted: number;
  readonly statuses: Map<number, number>;
  readonly firstRefusal?: string;
  readonly acceptSeconds: number;
  readonly acceptLatencyMs: number[];
  readonly reached: number;
  readonly ended: Map<string, number>;
  readonly e2eSeconds: number;
  readonly e2eLatencyMs: number[];
  readonly timedOut: number;
}

async function checkoutThroughput(ctx: BenchContext, opts: Options): Promise<ThroughputResult> {
  const { ddb, ordersTable, apiUrl, customerToken, sku } = ctx;
  const accepted = new Map<string, number>();
  const reached = new Map<string, number>();
  const ended = new Map<string, OrderStatus>();
  const statuses = new Map<number, number>();
  const acceptLatencyMs: number[] = [];
  let firstRefusal: string | undefined;
  let sending = true;
  const t0 = performance.now();
  const deadline = t0 + opts.timeoutSeconds * 1000;

  // Watches the orders table while the checkouts go out, so each order's time to AWAITING_PAYMENT is its own.
  const watcher = (async () => {
    for (let round = 0; round < Math.ceil((opts.timeoutSeconds * 1000) / POLL_MS) && performance.now() < deadline; round++) {
      const open = [...accepted.keys()].filter((id) => !reached.has(id) && !ended.has(id));
      if (!sending && open.length === 0) return;
      const current = await orderStatuses(ddb, ordersTable, open);
      const now = performance.now();
      for (const [id, status] of current) {
        if (PAST_AWAITING.has(status)) reached.set(id, now);
        else if (ENDED.has(status)) ended.set(id, status);
      }
      if (round % 25 === 0) process.stderr.write(`\r  accepted ${accepted.size}/${opts.orders}, AWAITING_PAYMENT ${reached.size}, failed ${ended.size}   `);
      await sleep(POLL_MS);
    }
  })();

  let acceptSeconds = 0;
  try {
    await pool(opts.orders, opts.concurrency, async () => {
      if (performance.now() > deadline) return;
      const sentAt = performance.now();
      let answer: ApiResponse;
      try {
        answer = await callApi(apiUrl, 'POST', '/checkout', customerToken, { items: [{ sku, quantity: 1 }] }, { 'Idempotency-Key': `bench-${randomUUID()}` });
      } catch (error) {
        statuses.set(0, (statuses.get(0) ?? 0) + 1);
        firstRefusal ??= `network: ${(error as Error).message}`;
        return;
      }
      const latency = performance.now() - sentAt;
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      if (answer.status === 202 && typeof answer.body.orderId === 'string') {
        acceptLatencyMs.push(latency);
        accepted.set(answer.body.orderId, sentAt);
      } else {
        firstRefusal ??= `${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`;
      }
    });
    acceptSeconds = (performance.now() - t0) / 1000;
  } finally {
    sending = false;
    await watcher;
    process.stderr.write('\n');
  }
  const lastReached = Math.max(...reached.values());
  const endedCounts = new Map<string, number>();
  for (const s of ended.values()) endedCounts.set(s, (endedCounts.get(s) ?? 0) + 1);
  return {
    sent: [...statuses.values()].reduce((a, b) => a + b, 0),
    accepted: accepted.size,
    statuses,
    ...(firstRefusal ? { firstRefusal } : {}),
    acceptSeconds,
    acceptLatencyMs,
    reached: reached.size,
    ended: endedCounts,
    e2eSeconds: reached.size > 0 ? (lastReached - t0) / 1000 : Number.NaN,
    e2eLatencyMs: [...reached].map(([id, at]) => at - (accepted.get(id) ?? at)),
    timedOut: accepted.size - reached.size - ended.size,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Phase 2: paid orders, one at a time, through to FULFILLED

interface PaidResult {
  readonly orders: number;
  readonly fulfilled: number;
  readonly checkoutToFulfilledMs: number[];
  readonly confirmToFulfilledMs: number[];
  readonly statesEntered: number[];
  readonly executionStatuses: string[];
  readonly problems: string[];
}

async function paidOrders(ctx: BenchContext, opts: Options, invocations: InvocationLog): Promise<PaidResult> {
  const { ddb, ordersTable, apiUrl, customerToken, sku, stripe, sfn, stateMachineArn } = ctx;
  const result: PaidResult = { orders: opts.paid, fulfilled: 0, checkoutToFulfilledMs: [], confirmToFulfilledMs: [], statesEntered: [], executionStatuses: [], problems: [] };
  const measured: string[] = [];
  let fulfilled = 0;
  for (let k = 0; k <= opts.paid; k++) {
    invocations.phase = k === 0 ? 'paid-warmup' : 'paid';
    process.stderr.write(k === 0 ? '  paid orders: warm-up' : ` ${k}`);
    const started = performance.now();
    const accepted = await callApi(apiUrl, 'POST', '/checkout', customerToken, { items: [{ sku, quantity: 1 }] }, { 'Idempotency-Key': `bench-paid-${randomUUID()}` });
    const orderId = accepted.body.orderId;
    if (accepted.status !== 202 || typeof orderId !== 'string') {
      result.problems.push(`checkout answered ${accepted.status} ${JSON.stringify(accepted.body).slice(0, 200)}`);
      continue;
    }
    const awaiting = await waitForOrder(ddb, ordersTable, orderId, (s) => PAST_AWAITING.has(s), 30_000);
    if (awaiting !== 'AWAITING_PAYMENT') {
      result.problems.push(`order ${orderId} reached ${awaiting ?? 'nothing'} instead of AWAITING_PAYMENT`);
      continue;
    }
    // What a storefront does next: read the order for the PaymentIntent's client secret, and confirm the payment.
    const order = await callApi(apiUrl, 'GET', `/orders/${orderId}`, customerToken);
    const payment = order.body.payment as { paymentIntentId?: string; clientSecret?: string } | undefined;
    if (order.status !== 200 || !payment?.paymentIntentId || !payment.clientSecret) {
      result.problems.push(`GET /orders/${orderId} answered ${order.status} without a client secret`);
      continue;
    }
    const confirmAt = performance.now();
    await stripe.paymentIntents.confirm(payment.paymentIntentId, { payment_method: 'pm_card_visa' });
    const final = await waitForOrder(ddb, ordersTable, orderId, (s) => s === 'FULFILLED', 60_000);
    const done = performance.now();
    // Late webhooks (Stripe sends several events per payment) belong to this order: let them land in its phase.
    await sleep(500);
    if (final !== 'FULFILLED') {
      result.problems.push(`order ${orderId} ended ${final ?? 'nowhere'} instead of FULFILLED`);
      continue;
    }
    if (k === 0) continue;
    fulfilled += 1;
    measured.push(orderId);
    result.checkoutToFulfilledMs.push(done - started);
    result.confirmToFulfilledMs.push(done - confirmAt);
  }
  process.stderr.write('\n');
  invocations.phase = 'after-paid';

  const executionPrefix = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:`;
  for (const orderId of measured) {
    const executionArn = `${executionPrefix}${orderId}`;
    let status = 'UNKNOWN';
    for (let i = 0; i < 50; i++) {
      status = (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status ?? 'UNKNOWN';
      if (status !== 'RUNNING') break;
      await sleep(POLL_MS);
    }
    result.executionStatuses.push(status);
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    result.statesEntered.push((history.events ?? []).filter((e) => e.type?.endsWith('StateEntered')).length);
  }
  return { ...result, fulfilled };
}

/** The happy path of the definition: from StartAt along Next to the end, the names of the states entered. */
function happyPath(definition: string): string[] {
  const asl = JSON.parse(definition) as { StartAt: string; States: Record<string, { Next?: string; End?: boolean; Type: string }> };
  const states: string[] = [];
  let name: string | undefined = asl.StartAt;
  for (let i = 0; i < 100 && name; i++) {
    states.push(name);
    const state: { Next?: string; End?: boolean; Type: string } | undefined = asl.States[name];
    name = state && !state.End && state.Type !== 'Succeed' && state.Type !== 'Fail' ? state.Next : undefined;
  }
  return states;
}

// ---------------------------------------------------------------------------------------------------------------
// Phase 3: DynamoDB capacity of one order, through the real adapters and domain use cases

interface StepCapacity {
  readonly step: string;
  readonly calls: number;
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly writeIndexUnits: number;
  readonly detail: string;
}

interface CapacityResult {
  readonly orders: number;
  readonly steps: StepCapacity[];
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly unmetered: string[];
  readonly ledgerEvents: number;
}

async function capacityPerOrder(ctx: BenchContext, opts: Options, ledgerEvents: number): Promise<CapacityResult> {
  const meter = new CapacityMeter();
  const client = meter.client({ endpoint: ctx.endpoints.aws.dynamodb, region: REGION, credentials: localCredentials, maxAttempts: 1 });
  const { ordersTable, catalogTable } = ctx;
  const orders = new DynamoDbOrderRepository(client, ordersTable);
  const catalog = new DynamoDbCatalogRepository(client, catalogTable);
  const stock = new DynamoDbStockLedger(client, catalogTable, ordersTable);
  const ledger = new DynamoDbPaymentEventLedger(client, ctx.paymentsTable);
  const records = new DynamoDbPaymentRecords(client, ctx.paymentsTable);
  const now = () => new Date();
  const unexpected = (what: string) => () => Promise.reject(new Error(`${what} is not on the happy path`));
  const deps: CheckoutDeps = {
    orders,
    catalog,
    carts: { get: unexpected('carts.get'), save: unexpected('carts.save'), delete: unexpected('carts.delete') },
    workflow: { start: () => Promise.resolve() },
    now,
    newId: () => ulid(),
  };
  // The same idempotency wrapper POST /checkout uses (functions/checkout/create-checkout.ts), on the real table, with
  // a Lambda context registered as the handler does (the record then carries its in-progress expiry, as deployed).
  const idempotency = checkoutIdempotencyConfig();
  const idempotentCheckout = makeIdempotent((call: CheckoutCall) => checkout(deps, call.customerId, call.idempotencyKey, call.request), {
    persistenceStore: new DynamoDBPersistenceLayer({ tableName: ctx.idempotencyTable, awsSdkV3Client: client }),
    config: idempotency,
  });
  const payments: PaymentGateway = {
    createPaymentIntent: ({ amount }) => {
      const id = stripeLikeId('pi');
      return Promise.resolve({ paymentIntentId: id, status: 'requires_payment_method', amount, clientSecret: `${id}_secret_${stripeLikeId('s', 25).slice(2)}` });
    },
    retrieve: unexpected('payments.retrieve'),
    cancel: unexpected('payments.cancel'),
    refund: unexpected('payments.refund'),
    refundsOf: unexpected('payments.refundsOf'),
  };
  const waits = { succeed: () => Promise.resolve(true), fail: () => Promise.resolve(true) };
  const customerId = `bench-capacity-${randomBytes(4).toString('hex')}`;

  try {
    for (let k = 0; k < opts.capacity; k++) {
      meter.step = 'POST /checkout';
      idempotency.registerLambdaContext(lambdaContext('CreateCheckout'));
      const { orderId } = await idempotentCheckout({ customerId, idempotencyKey: `bench-capacity-${randomUUID()}`, request: { items: [{ sku: ctx.sku, quantity: 1 }] } });
      meter.step = 'ReserveStock';
      await reserveStock({ orders, stock, now, holdSeconds: DEFAULT_HOLD_SECONDS }, orderId);
      meter.step = 'CreatePaymentIntent';
      const { paymentIntentId } = await createPaymentIntent({ orders, payments, records, now }, orderId);
      meter.step = 'AwaitPayment';
      await awaitPayment({ orders, waits, now }, orderId, randomBytes(TASK_TOKEN_CHARS).toString('base64url').slice(0, TASK_TOKEN_CHARS));
      meter.step = 'GET /orders/{id}';
      const order = (await orders.get(orderId)) as StoredOrder;
      meter.step = 'Stripe webhook: outcome';
      await receivePaymentOutcome({ orders, records, waits, payments, now }, orderId, { kind: 'succeeded', paymentIntentId, amount: order.total.amount, currency: order.total.currency.toLowerCase() });
      meter.step = 'Stripe webhook: event ledger';
      for (let e = 0; e < ledgerEvents; e++) {
        const event: ProviderEvent = {
          provider: 'stripe',
          eventId: stripeLikeId('evt'),
          type: 'payment_intent.succeeded',
          created: Math.floor(Date.now() / 1000),
          objectId: paymentIntentId,
          paymentIntent: { id: paymentIntentId, status: 'succeeded', amount: order.total.amount, currency: order.total.currency.toLowerCase(), orderId },
        };
        await ledger.record(event, now());
      }
      meter.step = 'CommitOrder';
      await commitOrder({ stock, now }, orderId);
      meter.step = 'Fulfilment hand-off';
      const handedOff = await handOffOrder({ orders, provider: { submit: (o) => Promise.resolve({ reference: `shp_1_${o.orderId}` }) }, now }, orderId);
      if (handedOff !== 'fulfilled') throw new Error(`Capacity order ${orderId}: hand-off answered ${handedOff}`);
    }
  } finally {
    client.destroy();
  }

  const stepOrder = [...new Set(meter.uses.map((u) => u.step))];
  const steps = stepOrder.map((step): StepCapacity => {
    const uses = meter.uses.filter((u) => u.step === step);
    const calls = new Map<string, number>();
    for (const u of uses) calls.set(`${u.command} ${u.tables}`, (calls.get(`${u.command} ${u.tables}`) ?? 0) + 1);
    const sum = (kind: 'read' | 'write', pick: (u: CapacityUse) => number) => uses.filter((u) => u.kind === kind).reduce((s, u) => s + pick(u), 0) / opts.capacity;
    return {
      step: step === 'Stripe webhook: event ledger' ? `${step} (${ledgerEvents} event${ledgerEvents === 1 ? '' : 's'})` : step,
      calls: uses.length / opts.capacity,
      readUnits: sum('read', (u) => u.units),
      writeUnits: sum('write', (u) => u.units),
      writeIndexUnits: sum('write', (u) => u.indexUnits),
      detail: [...calls].map(([call, n]) => `${n / opts.capacity === 1 ? '' : `${num(n / opts.capacity, n % opts.capacity === 0 ? 0 : 1)}× `}${call} (${num(uses.filter((u) => `${u.command} ${u.tables}` === call).reduce((x, u) => x + u.units, 0) / n)})`).join(', '),
    };
  });
  return {
    orders: opts.capacity,
    steps,
    readUnits: steps.reduce((s, x) => s + x.readUnits, 0),
    writeUnits: steps.reduce((s, x) => s + x.writeUnits, 0),
    unmetered: [...new Set(meter.unmetered)],
    ledgerEvents,
  };
}

/** A Lambda context as the runtime hands one to a handler, 20 s before its deadline. */
function lambdaContext(name: string): Context {
  const deadline = Date.now() + 20_000;
  const functionName = `Stockade-bench-${name}`;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Phase 4: ReserveStock's transaction alone, on scratch copies of the tables

interface RawResult {
  readonly transactions: number;
  readonly reserved: number;
  readonly failed: string[];
  readonly seconds: number;
  readonly latencyMs: number[];
  readonly hot: { attempts: number; reserved: number; conflicts: number; seconds: number; other: string[] };
  readonly cpu: string;
}

/** Creates `name` with the key schema and indexes of `source` (on-demand). */
async function cloneTable(ddb: DynamoDBClient, source: string, name: string): Promise<void> {
  const { Table } = await ddb.send(new DescribeTableCommand({ TableName: source }));
  if (!Table?.KeySchema || !Table.AttributeDefinitions) throw new Error(`DescribeTable ${source} gave no key schema`);
  const indexes = (Table.GlobalSecondaryIndexes ?? []).map((g) => ({ IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection }));
  await ddb.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: Table.KeySchema,
      AttributeDefinitions: Table.AttributeDefinitions,
      BillingMode: 'PAY_PER_REQUEST',
      ...(indexes.length > 0 ? { GlobalSecondaryIndexes: indexes } : {}),
    }),
  );
  await waitUntilTableExists({ client: ddb, maxWaitTime: 30 }, { TableName: name });
}

/** BatchWriteItem in chunks of 25, four at a time, asking again (bounded) for what DynamoDB leaves unprocessed. */
async function putAll(ddb: DynamoDBClient, table: string, items: ReadonlyArray<Record<string, unknown>>): Promise<void> {
  const chunks: WriteRequest[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25).map((item) => ({ PutRequest: { Item: marshall(item, { removeUndefinedValues: true }) } })));
  await pool(chunks.length, 4, async (c) => {
    let pending = chunks[c] ?? [];
    for (let attempt = 0; pending.length > 0 && attempt < 8; attempt++) {
      const out = await ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
      pending = out.UnprocessedItems?.[table] ?? [];
      if (pending.length > 0) await sleep(50 * 2 ** attempt);
    }
    if (pending.length > 0) throw new Error(`BatchWriteItem kept ${pending.length} items unprocessed`);
  });
}

async function rawTransactions(ctx: BenchContext, opts: Options, cpu: () => CpuSnapshot): Promise<RawResult> {
  const ddb = new DynamoDBClient({ endpoint: ctx.endpoints.aws.dynamodb, region: REGION, credentials: localCredentials, maxAttempts: 1 });
  const tag = randomBytes(3).toString('hex');
  const scratchCatalog = `bench-scratch-catalog-${tag}`;
  const scratchOrders = `bench-scratch-orders-${tag}`;
  const created: string[] = [];
  try {
    await cloneTable(ddb, ctx.catalogTable, scratchCatalog);
    created.push(scratchCatalog);
    await cloneTable(ddb, ctx.ordersTable, scratchOrders);
    created.push(scratchOrders);

    // Items shaped like the real ones: the benchmark SKU's own item, and an order as checkout writes it.
    const { Item } = await ddb.send(new GetItemCommand({ TableName: ctx.catalogTable, Key: marshall({ pk: `SKU#${ctx.sku}`, sk: 'SKU' }), ConsistentRead: true }));
    if (!Item) throw new Error(`SKU ${ctx.sku} is not in the catalog table`);
    const skuTemplate = unmarshall(Item);
    const at = new Date().toISOString();
    const price = { amount: Number(skuTemplate.priceAmount), currency: String(skuTemplate.priceCurrency) };
    const skuItem = (code: string) => ({ ...skuTemplate, pk: `SKU#${code}`, sku: code, onHand: BENCH_STOCK, reserved: 0, available: BENCH_STOCK, version: 1 });
    const pendingOrder = (orderId: string, code: string) =>
      orderItem({
        orderId,
        customerId: 'bench-raw-customer',
        status: 'PENDING',
        lines: [{ sku: code, productId: String(skuTemplate.productId), vendorId: String(skuTemplate.vendorId), quantity: 1, unitPrice: price, lineTotal: price }],
        total: price,
        createdAt: at,
        updatedAt: at,
      });
    const hotCount = Math.min(opts.transactions, MAX_HOT_TRANSACTIONS);
    const distinct = Array.from({ length: opts.transactions }, (_, i) => ({ orderId: ulid(), sku: `RAW-${tag}-${i}` }));
    const hot = Array.from({ length: hotCount }, () => ({ orderId: ulid(), sku: `RAW-${tag}-HOT` }));
    log(`  seeding ${distinct.length + 1} SKUs and ${distinct.length + hot.length} PENDING orders in the scratch tables...`);
    await putAll(ddb, scratchCatalog, [...distinct.map((d) => skuItem(d.sku)), skuItem(`RAW-${tag}-HOT`)]);
    await putAll(ddb, scratchOrders, [...distinct, ...hot].map((d) => pendingOrder(d.orderId, d.sku)));

    const ledger = new DynamoDbStockLedger(ddb, scratchCatalog, scratchOrders);
    const expiresAt = new Date(Date.now() + DEFAULT_HOLD_SECONDS * 1000).toISOString();
    const latencyMs: number[] = [];
    const failed: string[] = [];
    let reserved = 0;
    log(`  ${distinct.length} reservations on distinct SKUs, ${opts.concurrency} at a time...`);
    const cpuBefore = cpu();
    const t0 = performance.now();
    await pool(distinct.length, opts.concurrency, async (i) => {
      const d = distinct[i] as { orderId: string; sku: string };
      const started = performance.now();
      try {
        const outcome = await ledger.reserve(d.orderId, [{ sku: d.sku, quantity: 1 }], expiresAt, new Date().toISOString());
        if (outcome.outcome === 'reserved') reserved += 1;
        else failed.push(outcome.outcome);
      } catch (error) {
        failed.push((error as Error).name);
      }
      latencyMs.push(performance.now() - started);
    });
    const seconds = (performance.now() - t0) / 1000;
    const cpuDuring = coresBusy(cpuBefore, cpu());

    log(`  ${hot.length} reservations on one hot SKU, ${opts.concurrency} at a time, no retries...`);
    let hotReserved = 0;
    let conflicts = 0;
    const other: string[] = [];
    const t1 = performance.now();
    await pool(hot.length, opts.concurrency, async (i) => {
      const d = hot[i] as { orderId: string; sku: string };
      try {
        const outcome = await ledger.reserve(d.orderId, [{ sku: d.sku, quantity: 1 }], expiresAt, new Date().toISOString());
        if (outcome.outcome === 'reserved') hotReserved += 1;
        else other.push(outcome.outcome);
      } catch (error) {
        if (error instanceof TransientError) conflicts += 1;
        else other.push((error as Error).name);
      }
    });
    const hotSeconds = (performance.now() - t1) / 1000;
    return { transactions: distinct.length, reserved, failed, seconds, latencyMs, hot: { attempts: hot.length, reserved: hotReserved, conflicts, seconds: hotSeconds, other }, cpu: cpuDuring };
  } finally {
    for (const table of created) await ddb.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
    ddb.destroy();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Report

interface BenchContext {
  readonly runtime: LocalRuntime;
  readonly endpoints: LocalRuntime['endpoints'];
  readonly apiUrl: string;
  readonly ddb: DynamoDBClient;
  readonly sfn: SFNClient;
  readonly stripe: Stripe;
  readonly ordersTable: string;
  readonly catalogTable: string;
  readonly paymentsTable: string;
  readonly idempotencyTable: string;
  readonly stateMachineArn: string;
  readonly customerToken: string;
  readonly sku: string;
}

function countStatuses(statuses: Map<number, number>): string {
  return [...statuses]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${n}× ${status === 0 ? 'network error' : status}`)
    .join(', ');
}

function throughputTable(t: ThroughputResult, raw: RawResult, opts: Options, reserveInvocations: number, coldDuring: number, cpu: string): string {
  const rate = (n: number, s: number) => (s > 0 ? num(n / s) : '—');
  const ended = [...t.ended].map(([s, n]) => `${n} ${s}`).join(', ');
  return [
    '| Measure | Result |',
    '|---|--:|',
    `| POST /checkout sent (${opts.concurrency} at a time, after ${opts.concurrency} warm-up orders) | ${t.sent}: ${countStatuses(t.statuses)} |`,
    `| Accepted (202) per second | **${rate(t.accepted, t.acceptSeconds)}** (${t.accepted} in ${num(t.acceptSeconds)} s) |`,
    `| 202 latency p50 / p99 (ms) | ${ms(median(t.acceptLatencyMs))} / ${ms(percentile(t.acceptLatencyMs, 99))} |`,
    `| Orders to AWAITING_PAYMENT per second, end to end | **${rate(t.reached, t.e2eSeconds)}** (${t.reached} of ${t.accepted} in ${num(t.e2eSeconds)} s from the first request)${ended ? `; ${ended}` : ''}${t.timedOut > 0 ? `; ${t.timedOut} still open at the timeout` : ''} |`,
    `| Checkout sent → AWAITING_PAYMENT p50 / p99 (ms, ±${POLL_MS} ms polling) | ${ms(median(t.e2eLatencyMs))} / ${ms(percentile(t.e2eLatencyMs, 99))} |`,
    `| ReserveStock invocations per order (1 = no retry) | ${t.accepted > 0 ? num(reserveInvocations / t.accepted, 2) : '—'} |`,
    `| Lambda execution environments started during the run (cold starts) | ${coldDuring} |`,
    `| Cores busy during the run (of ${os.cpus().length}) | ${cpu} |`,
    `| Raw ReserveStock TransactWriteItems per second, distinct SKUs (${opts.concurrency} at a time) | **${rate(raw.reserved, raw.seconds)}** (${raw.reserved} of ${raw.transactions} in ${num(raw.seconds)} s${raw.failed.length ? `; ${raw.failed.length} failed: ${[...new Set(raw.failed)].join(', ')}` : ''}) |`,
    `| Raw transaction latency p50 / p99 (ms) | ${ms(median(raw.latencyMs))} / ${ms(percentile(raw.latencyMs, 99))} |`,
    `| Cores busy during the raw run (of ${os.cpus().length}) | ${raw.cpu} |`,
    `| Same transaction on one hot SKU, no retries: committed per second | ${rate(raw.hot.reserved, raw.hot.seconds)} (${raw.hot.reserved} of ${raw.hot.attempts}; ${raw.hot.conflicts} lost to TransactionConflict${raw.hot.other.length ? `; ${raw.hot.other.length} other: ${[...new Set(raw.hot.other)].join(', ')}` : ''}) |`,
  ].join('\n');
}

interface LambdaPerOrder {
  readonly rows: Array<{ label: string; perOrder: number; medianMs: number; memoryMb: number; errors: number }>;
  readonly invocations: number;
  readonly gbSeconds: number;
  readonly webhookDeliveries: number;
}

function lambdaPerOrder(tallies: Map<string, FunctionTally>, orders: number): LambdaPerOrder {
  const rows = [...tallies]
    .map(([label, t]) => ({ label, perOrder: t.count / orders, medianMs: median(t.ms), memoryMb: t.memoryMb, errors: t.errors }))
    .sort((a, b) => a.label.localeCompare(b.label));
  // Lambda bills each invocation's duration rounded up to the millisecond.
  const gbSeconds = [...tallies.values()].reduce((sum, t) => sum + t.ms.reduce((s, m) => s + Math.ceil(m), 0) / 1000 * (t.memoryMb / 1024), 0) / orders;
  return { rows, invocations: rows.reduce((s, r) => s + r.perOrder, 0), gbSeconds, webhookDeliveries: (tallies.get('ReceiveStripeWebhook')?.count ?? 0) / orders };
}

function paidTable(paid: PaidResult, lambda: LambdaPerOrder, happy: readonly string[]): string {
  const lines = [
    `${paid.fulfilled} of ${paid.orders} paid orders reached FULFILLED (after one warm-up order); checkout → FULFILLED median ${ms(median(paid.checkoutToFulfilledMs))} ms, payment confirmed → FULFILLED median ${ms(median(paid.confirmToFulfilledMs))} ms. Step Functions: states entered per execution ${[...new Set(paid.statesEntered)].join(', ') || '—'} (happy path of the definition: ${happy.join(' → ')}); executions ${[...new Set(paid.executionStatuses)].join(', ') || '—'}.`,
    ...paid.problems.map((p) => `- Problem: ${p}`),
    '',
    '| Function | Invocations per order | Median duration (ms, local) | Memory (MB) |',
    '|---|--:|--:|--:|',
    ...lambda.rows.map((r) => `| ${r.label} | ${num(r.perOrder, 2)} | ${ms(r.medianMs)} | ${r.memoryMb}${r.errors ? ` (${r.errors} errors)` : ''} |`),
    `| **Total** | **${num(lambda.invocations, 2)}** | ${num(lambda.gbSeconds * 1000, 1)} ms·GB billed-equivalent per order | |`,
  ];
  return lines.join('\n');
}

function capacityTable(c: CapacityResult): string {
  return [
    '| Step (function) | DynamoDB calls per order | Read units | Write units (of which index) |',
    '|---|---|--:|--:|',
    ...c.steps.map((s) => `| ${s.step} | ${s.detail} | ${num(s.readUnits)} | ${num(s.writeUnits)} (${num(s.writeIndexUnits)}) |`),
    `| **Per order** | ${num(c.steps.reduce((s, x) => s + x.calls, 0))} calls | **${num(c.readUnits)}** | **${num(c.writeUnits)}** (${num(c.steps.reduce((s, x) => s + x.writeIndexUnits, 0))}) |`,
  ].join('\n');
}

interface CostLine {
  readonly item: string;
  readonly perOrder: string;
  readonly unitPrice: string;
  readonly per1000: number;
  readonly basis: string;
}

function costLines(c: CapacityResult, lambda: LambdaPerOrder, transitions: number): CostLine[] {
  const apiRequests = 2 + lambda.webhookDeliveries;
  return [
    { item: 'DynamoDB writes', perOrder: `${num(c.writeUnits)} WRU`, unitPrice: '$0.625 / million WRU', per1000: 1000 * c.writeUnits * PRICES.writeRequestUnit, basis: 'measured (ConsumedCapacity from DynamoDB Local, indexes included)' },
    { item: 'DynamoDB reads', perOrder: `${num(c.readUnits)} RRU`, unitPrice: '$0.125 / million RRU', per1000: 1000 * c.readUnits * PRICES.readRequestUnit, basis: 'measured (ConsumedCapacity from DynamoDB Local)' },
    { item: 'Step Functions Standard', perOrder: `${transitions} transitions`, unitPrice: '$0.025 / 1,000 transitions', per1000: 1000 * transitions * PRICES.stateTransition, basis: 'states of the happy path, +1 for the start (assumption)' },
    { item: 'Lambda requests', perOrder: `${num(lambda.invocations, 2)} invocations`, unitPrice: '$0.20 / million', per1000: 1000 * lambda.invocations * PRICES.lambdaRequest, basis: 'measured on the paid orders' },
    { item: 'Lambda duration (arm64)', perOrder: `${num(lambda.gbSeconds, 4)} GB-s`, unitPrice: '$0.0000133334 / GB-s', per1000: 1000 * lambda.gbSeconds * PRICES.lambdaArmGbSecond, basis: 'rough: local durations (x64, worker threads, loopback) at the configured memory' },
    { item: 'API Gateway REST', perOrder: `${num(apiRequests, 2)} requests`, unitPrice: '$3.50 / million', per1000: 1000 * apiRequests * PRICES.restApiRequest, basis: `POST /checkout, one GET /orders/{id}, ${num(lambda.webhookDeliveries, 2)} Stripe webhook deliveries (measured)` },
    { item: 'SQS', perOrder: `${SQS_REQUESTS_PER_ORDER} requests`, unitPrice: '$0.40 / million', per1000: 1000 * SQS_REQUESTS_PER_ORDER * PRICES.sqsRequest, basis: 'assumption: send, receive, delete of one OrderConfirmed' },
  ];
}

function costTable(lines: readonly CostLine[]): string {
  const total = lines.reduce((s, l) => s + l.per1000, 0);
  return [
    '| Item | Per order | Price (us-east-1, on demand) | Per 1,000 orders | Basis |',
    '|---|--:|---|--:|---|',
    ...lines.map((l) => `| ${l.item} | ${l.perOrder} | ${l.unitPrice} | ${usd(l.per1000)} | ${l.basis} |`),
    `| **Total** | | | **${usd(total)}** | |`,
  ].join('\n');
}

/** Execution environments every local function has started so far. */
function coldStarts(runtime: LocalRuntime): number {
  return runtime.services.lambdas.all().reduce((sum, fn) => sum + fn.coldStartCount, 0);
}


// ---------------------------------------------------------------------------------------------------------------

async function setUp(runtime: LocalRuntime): Promise<BenchContext> {
  const { endpoints } = runtime;
  const table = (prefix: string) => {
    const entry = Object.entries(endpoints.tables).find(([logicalId]) => logicalId.startsWith(prefix));
    if (!entry) throw new Error(`No ${prefix} table in the template`);
    return entry[1];
  };
  const stateMachineArn = Object.values(endpoints.stateMachines)[0];
  if (!endpoints.cognito || !endpoints.users || !endpoints.stripe || !stateMachineArn) throw new Error('The local runtime has no Cognito, demo users, Stripe stand-in or state machine');
  const cognito = new CognitoIdentityProviderClient({ endpoint: endpoints.cognito.endpoint, region: REGION, credentials: localCredentials, maxAttempts: 1 });
  let customerToken: string;
  let vendorToken: string;
  try {
    customerToken = (await signInWithPassword(cognito, endpoints.cognito.clientId, endpoints.users.customer)).AccessToken;
    vendorToken = (await signInWithPassword(cognito, endpoints.cognito.clientId, endpoints.users.vendor)).AccessToken;
  } finally {
    cognito.destroy();
  }
  const sku = `BENCH-${randomBytes(4).toString('hex').toUpperCase()}`;
  const created = await callApi(endpoints.apiUrl, 'POST', '/vendor/products', vendorToken, {
    name: `Benchmark tumbler ${sku}`,
    description: 'Created by bench/checkout.ts',
    skus: [{ sku, name: 'One size', price: { amount: 2400, currency: 'EUR' }, initialStock: BENCH_STOCK }],
  });
  if (created.status !== 201) throw new Error(`Creating the benchmark product failed: ${created.status} ${JSON.stringify(created.body)}`);
  const { stripe } = endpoints;
  return {
    runtime,
    endpoints,
    apiUrl: endpoints.apiUrl,
    ddb: new DynamoDBClient({ endpoint: endpoints.aws.dynamodb, region: REGION, credentials: localCredentials }),
    sfn: new SFNClient({ endpoint: endpoints.aws.stepFunctions, region: REGION, credentials: localCredentials }),
    stripe: new Stripe(stripe.apiKey, { host: stripe.host, port: stripe.port, protocol: stripe.protocol, maxNetworkRetries: 0 }),
    ordersTable: table('OrdersTable'),
    catalogTable: table('CatalogTable'),
    paymentsTable: table('PaymentsTable'),
    idempotencyTable: table('IdempotencyTable'),
    stateMachineArn,
    customerToken,
    sku,
  };
}

async function main(): Promise<void> {
  const opts = options();
  const started = Date.now();
  const loadBefore = num(os.loadavg()[0] ?? Number.NaN, 2);
  const cdkOut = path.join(OUT, 'cdk.out');
  const stateDirectory = path.join(OUT, 'state');
  if (opts.synth) {
    rmSync(cdkOut, { recursive: true, force: true });
    log(`Synthesizing stage ${opts.stage} into ${path.relative(PROJECT_ROOT, cdkOut)} (bundles every function)...`);
    await synthesizeStage({ stage: opts.stage, outdir: cdkOut });
  }
  rmSync(path.join(stateDirectory, 'logs'), { recursive: true, force: true });
  log('Starting the local runtime (DynamoDB Local, cognito-local, SQS, Step Functions, Lambda workers, stand-ins; demo data)...');
  const runtime = await LocalRuntime.start({ cdkOut, stage: opts.stage, stateDirectory, seedDemoData: true });
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= runtime.stop());
  const onSignal = (signal: NodeJS.Signals) => {
    log(`\n${signal}: stopping the local runtime...`);
    void stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let ctx: BenchContext | undefined;
  try {
    log(`Runtime up in ${((Date.now() - started) / 1000).toFixed(0)} s: API ${runtime.endpoints.apiUrl}, DynamoDB Local ${runtime.endpoints.aws.dynamodb}`);
    const invocations = new InvocationLog();
    invocations.attach(runtime.services.lambdas);
    ctx = await setUp(runtime);
    log(`Benchmark SKU ${ctx.sku} (stock ${BENCH_STOCK.toLocaleString('en-US')}); demo customer signed in.`);

    // Execution environments start on demand (cold starts import ~1 MB bundles): a first round at the same
    // concurrency starts them, so the measured run sees warm functions, as a system under steady load does.
    log(`1/4 warm-up: ${opts.concurrency} checkouts (not counted)...`);
    invocations.phase = 'warmup';
    const warm = await checkoutThroughput(ctx, { ...opts, orders: opts.concurrency });
    if (warm.reached < warm.accepted || warm.accepted < opts.concurrency) log(`  warm-up: only ${warm.reached} of ${opts.concurrency} orders reached AWAITING_PAYMENT`);
    log(`1/4 ${opts.orders} checkouts over HTTP, ${opts.concurrency} at a time; waiting (at most ${opts.timeoutSeconds} s) for every order to reach AWAITING_PAYMENT...`);
    invocations.phase = 'throughput';
    const coldBefore = coldStarts(runtime);
    const ticks = clockTicksPerSecond();
    const cpuBefore = cpuSnapshot(stateDirectory, ticks);
    const throughput = await checkoutThroughput(ctx, opts);
    const cpuThroughput = coresBusy(cpuBefore, cpuSnapshot(stateDirectory, ticks));
    const coldDuring = coldStarts(runtime) - coldBefore;
    const reserveInvocations = invocations.of('throughput').get('ReserveStock')?.count ?? 0;

    log(`2/4 ${opts.paid} paid orders, one at a time, to FULFILLED...`);
    const paid = await paidOrders(ctx, opts, invocations);
    const lambda = lambdaPerOrder(invocations.of('paid'), Math.max(1, paid.fulfilled));
    const definition = (await ctx.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: ctx.stateMachineArn }))).definition ?? '{}';
    const happy = happyPath(definition);
    const transitions = happy.length + 1;

    const ledgerEvents = Math.max(1, Math.round(lambda.webhookDeliveries));
    log(`3/4 DynamoDB capacity of ${opts.capacity} orders through the real adapters (${ledgerEvents} ledger events each)...`);
    const capacity = await capacityPerOrder(ctx, opts, ledgerEvents);

    log(`4/4 ReserveStock's transaction alone on scratch tables...`);
    const raw = await rawTransactions(ctx, opts, () => cpuSnapshot(stateDirectory, ticks));

    const costs = costLines(capacity, lambda, transitions);
    const cpu = os.cpus();
    const report = [
      '### Throughput',
      '',
      throughputTable(throughput, raw, opts, reserveInvocations, coldDuring, cpuThroughput),
      ...(throughput.firstRefusal ? ['', `First refused or failed checkout: ${throughput.firstRefusal}`] : []),
      '',
      '### One paid order, end to end',
      '',
      paidTable(paid, lambda, happy),
      '',
      '### DynamoDB capacity per order',
      '',
      `${capacity.orders} orders driven through the real adapters and domain use cases (Powertools idempotency wrapper included); Stripe, Step Functions, SQS and the fulfilment provider replaced by in-process stand-ins. Units are DynamoDB Local's ConsumedCapacity (mode INDEXES), averaged per order.`,
      '',
      capacityTable(capacity),
      ...(capacity.unmetered.length > 0 ? ['', ...capacity.unmetered.map((u) => `- Not metered: ${u}`)] : []),
      '',
      '### Cost per 1,000 orders (AWS list prices, us-east-1, on demand)',
      '',
      costTable(costs),
    ].join('\n');
    console.log(`\n${report}\n`);

    const section = `## Checkout

Measured ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} with \`${opts.command}\`: stage ${opts.stage}, source ${sourceRevision(['bin', 'lib', 'functions', 'shared', 'local', 'package.json', 'package-lock.json'])}, one local runtime on 127.0.0.1 booted in-process.
Machine: Node ${process.version} on ${os.platform()} ${os.arch()}, ${cpu[0]?.model.trim() ?? 'unknown CPU'} (${cpu.length} cores), ${Math.round(os.totalmem() / 2 ** 30)} GiB. 1-minute load average before the run: ${loadBefore}. Everything (DynamoDB Local's JVM, the Lambda worker threads, the Step Functions interpreter, this client) shares those cores.

${report}

How to read it:

- **This is the local emulator, not AWS.** The rates say how far one small machine takes the whole system, and where it saturates first; they are not AWS capacity. On AWS each function scales out on its own, DynamoDB on-demand partitions the load, and the dev stage's API throttle (50 requests/s, burst 100) and WAF rate rules would refuse what exceeds them. Watch the ratios between rows more than the absolute numbers, and the *cores busy* row for what saturated. The local runtime also runs at most 10 execution environments per function (Lambda scales to the account's concurrency), so above 10 concurrent requests queue for one; the 202 latency is mostly that queue (concurrency ÷ rate).
- *Accepted per second* is API Gateway → authorizer → CreateCheckout (Powertools idempotency record, catalog read, order transaction, StartExecution) answering 202. *End to end* counts orders until the saga has run ReserveStock, CreatePaymentIntent (Stripe stand-in) and AwaitPayment, read from the orders table every ${POLL_MS} ms, from the first request to the last order seen AWAITING_PAYMENT.
- All checkouts buy the same SKU, so every ReserveStock (and CommitOrder) transaction updates one item. ${
      raw.hot.conflicts === 0
        ? 'DynamoDB Local cancelled none of the concurrent transactions on it (hot-SKU row). On AWS, a transaction that meets another one in progress on the same item is cancelled with TransactionConflict, which the saga retries (TransientError, 1 s then doubling, 6 attempts): for one hot SKU the end-to-end figure here is optimistic.'
        : 'DynamoDB Local cancelled some concurrent transactions on it with TransactionConflict (see the hot-SKU row); the saga retries those (TransientError, 1 s then doubling, 6 attempts), which *ReserveStock invocations per order* above 1 shows.'
    }
- *Raw transactions* run the real \`DynamoDbStockLedger.reserve\` (hold Put, SKU Update with \`available >= :q\`, order Update and history Put: one TransactWriteItems of 4 items) against scratch copies of the catalog and orders tables (same keys and indexes, created and deleted by the run), on pre-seeded distinct SKUs and PENDING orders: the ceiling DynamoDB Local puts under the saga on this machine.${
      raw.hot.seconds > 0 && raw.seconds > 0 && raw.hot.reserved / raw.hot.seconds >= 0.9 * (raw.reserved / raw.seconds)
        ? ' The hot SKU went as fast as distinct ones: DynamoDB Local appears to run transactions one at a time rather than lock items, so this is a ceiling on all its transactions, not a per-item limit.'
        : ''
    }
- *One paid order* goes checkout → AWAITING_PAYMENT → GET /orders/{id} (the client secret) → PaymentIntent confirmed with the Stripe SDK against the stand-in (which sends signed webhooks for every event, ${num(lambda.webhookDeliveries, 2)} per order here) → CONFIRMED → OrderConfirmed on SQS → hand-off → FULFILLED, one order at a time. Invocations are counted and timed around each local function's \`invoke()\` in this process, so a duration includes the hop to its worker thread. The authorizer runs on every authenticated request (its result cache is off, as deployed).
- *Capacity*: DynamoDB Local reports ConsumedCapacity and applies DynamoDB's rules: 1 unit per KB written, 2 per KB for each item of a TransactWriteItems, 1 per 4 KB read strongly consistently, and index writes (2 when an index key changes). It also charges transactional items' index writes at 2 units; AWS documents the doubling for the items of a transaction, so the index share of transactional writes may be an over-estimate. The task token stored while the order awaits payment is assumed to be ${TASK_TOKEN_CHARS} characters (AWS's are opaque and far longer than the local interpreter's 86): it takes the order item past 1 KB until CommitOrder removes it. The indexes project ALL attributes, so index writes are ${num(capacity.steps.reduce((sum, x) => sum + x.writeIndexUnits, 0))} of the ${num(capacity.writeUnits)} write units. The Powertools idempotency record is measured, not estimated: its PutItem (INPROGRESS) and UpdateItem (COMPLETED, with the response) on the idempotency table are in the POST /checkout row. One GET /orders/{id} per order is counted (the storefront needs it for the client secret); each further poll costs 1 RRU, 2 Lambda invocations (authorizer, GetOrder) and 1 API request.
- *Cost* uses AWS list prices for us-east-1 (on-demand DynamoDB $0.625 per million WRU and $0.125 per million RRU; Step Functions Standard $0.025 per 1,000 transitions; Lambda $0.20 per million requests and $0.0000133334 per GB-second on arm64; API Gateway REST $3.50 per million; SQS $0.40 per million), without free tiers. Lambda duration is the weakest figure: local x64 times at the configured memory, where Lambda's 512 MB gets well under one vCPU and real network calls to DynamoDB, Stripe and Step Functions take longer. The Step Functions count is the happy path's ${happy.length} states plus 1 for the start (conservative); retries add transitions. Not included: Stripe's fees (by far the largest per-order cost), CloudWatch Logs ingestion, X-Ray traces, WAF requests, KMS, Secrets Manager (cached), Cognito, data transfer and DynamoDB storage.
`;
    writeDocSection(DOC, 'checkout', section);
    log(`Wrote the checkout section of ${path.relative(PROJECT_ROOT, DOC)} in ${((Date.now() - started) / 1000).toFixed(0)} s.`);
  } finally {
    ctx?.ddb.destroy();
    ctx?.sfn.destroy();
    log('Stopping the local runtime...');
    await stop();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
