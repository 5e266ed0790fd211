import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { BatchGetItemCommand, type BatchGetItemCommandOutput, GetItemCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, type HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import Stripe from 'stripe';
import { DynamoDbPaymentRecords } from '../../shared/adapters/dynamodb-payment-records';
import type { OrderStatus } from '../../shared/domain/orders/order';
import type { PaymentRecord } from '../../shared/ports/payment-records';
import { apiCaller } from '../support/api';
import { dynamoDbClient, localCredentials, stripeClient, tableNamed, testEndpoints } from '../support/endpoints';
import { cognitoClient, newCustomer, signIn } from '../support/identity';
import { mulberry32 } from '../support/random';

/**
 * Webhook replay, end to end: 500 correctly signed Stripe events about 20 real orders (14 paid, 6 never paid), each
 * delivered three times in a seeded shuffled order plus twice concurrently, through POST /webhooks/stripe, the
 * payment events FIFO queue and its consumer. Every event id has exactly one effect, nothing a paid order reached
 * regresses (a stale decline or a canceled claim does not undo a success, nothing is refunded), an unpaid order fails
 * once on its decline, and every saga's payment wait is answered once. REPLAY_SEED=<n> replays a run's order.
 */

type Json = Record<string, unknown>;
interface OrderBody extends Json {
  orderId: string;
  status: string;
  payment?: { paymentIntentId: string; status: string };
  failureReason?: string;
}
interface Replayed {
  readonly orderId: string;
  readonly paid: boolean;
  readonly intent: Stripe.PaymentIntent;
}
interface ReplayedEvent {
  readonly id: string;
  readonly type: string;
  readonly orderId: string;
  readonly body: string;
}
/** One delivery of an event, or two identical ones sent at the same moment (each signed when it is sent). */
interface Delivery {
  readonly event: ReplayedEvent;
  readonly copies: 1 | 2;
}
interface Answer {
  readonly status: number;
  readonly duplicate?: boolean;
  readonly body: string;
}
interface HistoryEntry {
  readonly at: string;
  readonly status: OrderStatus;
}

const ORDERS = 20;
const PAID = 14;
const EVENTS_PER_ORDER = 25;
const DELIVERIES_PER_EVENT = 3;
/** Deliveries in flight at once (a concurrent pair counts twice): enough to keep the webhook's environments busy on 2 cores. */
const IN_FLIGHT = 16;
const DRAIN_TIMEOUT_MS = 90_000;

/** Event types the saga acts on; every other type is acknowledged and ignored. */
const OUTCOME_TYPES = new Set(['payment_intent.succeeded', 'payment_intent.payment_failed', 'payment_intent.canceled']);
/**
 * What Stripe could send about a paid order, late and out of order: stale declines from before the success, the
 * success itself, canceled claims (a terminal state that must not override SUCCEEDED), and types Stockade ignores.
 */
const PAID_MIX = [
  'payment_intent.payment_failed',
  'payment_intent.succeeded',
  'payment_intent.canceled',
  'payment_intent.processing',
  'charge.updated',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
  'customer.created',
  'payment_intent.succeeded',
  'charge.succeeded',
  'payment_intent.created',
];
/** About an order never paid: declines, and types Stockade ignores. */
const UNPAID_MIX = [
  'payment_intent.payment_failed',
  'payment_intent.processing',
  'customer.created',
  'payment_intent.created',
  'payment_intent.requires_action',
  'payment_method.attached',
];

/** Each status an order may move to from another (api-contract.md); a repeated AWAITING_PAYMENT is a retried step. */
const LEGAL_NEXT: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  PENDING: ['RESERVED', 'FAILED', 'CANCELLED'],
  RESERVED: ['AWAITING_PAYMENT', 'FAILED', 'CANCELLED'],
  AWAITING_PAYMENT: ['AWAITING_PAYMENT', 'CONFIRMED', 'FAILED', 'CANCELLED'],
  CONFIRMED: ['FULFILLED', 'REFUNDED', 'CANCELLED'],
  FULFILLED: ['REFUNDED'],
  CANCELLED: ['CANCELLED'],
  FAILED: [],
  REFUNDED: [],
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Runs `work` over `items`, each taking `weight(item)` of `limit` slots, in input order of start. */
async function bounded<T>(items: readonly T[], limit: number, weight: (item: T) => number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let free = limit;
  const waiting: Array<() => void> = [];
  const running: Array<Promise<void>> = [];
  while (next < items.length) {
    const item = items[next++] as T;
    const cost = Math.min(weight(item), limit);
    while (free < cost) await new Promise<void>((r) => waiting.push(r));
    free -= cost;
    running.push(
      work(item).finally(() => {
        free += cost;
        waiting.shift()?.();
      }),
    );
  }
  await Promise.all(running);
}

/** Fisher-Yates with a seeded generator: the same seed gives the same order. */
function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** The status changes of a history, oldest first, that no order may make. */
function illegalSteps(history: readonly HistoryEntry[]): string[] {
  const steps: string[] = [];
  if (history[0]?.status !== 'PENDING') steps.push(`starts at ${history[0]?.status ?? 'nothing'}`);
  for (let i = 1; i < history.length; i++) {
    const from = (history[i - 1] as HistoryEntry).status;
    const to = (history[i] as HistoryEntry).status;
    if (!LEGAL_NEXT[from].includes(to)) steps.push(`${from}->${to}`);
  }
  return steps;
}

describe('Stripe webhook replay, end to end', () => {
  const endpoints = testEndpoints();
  const users = endpoints.users as NonNullable<typeof endpoints.users>;
  const webhookSecret = endpoints.stripe?.webhookSecret as string;
  const stripe = stripeClient(endpoints);
  const dynamodb = dynamoDbClient(endpoints);
  const sfn = new SFNClient({ endpoint: endpoints.aws.stepFunctions, region: endpoints.region, credentials: localCredentials });
  const ordersTable = tableNamed(endpoints, 'OrdersTable');
  const paymentsTable = tableNamed(endpoints, 'PaymentsTable');
  const paymentRecords = new DynamoDbPaymentRecords(dynamodb, paymentsTable);
  const sagaArn = Object.entries(endpoints.stateMachines).find(([id]) => id.startsWith('OrderSaga'))?.[1] as string;
  const call = apiCaller(endpoints.apiUrl);

  const seed = process.env.REPLAY_SEED ? Number(process.env.REPLAY_SEED) >>> 0 : randomBytes(4).readUInt32BE(0);
  // Unique per run, so a rerun with the same seed against the same runtime never meets this run's event ids.
  const run = randomBytes(4).toString('hex');
  const eventPrefix = `evt_replay_${run}_`;
  const tag = randomBytes(3).toString('hex').toUpperCase();

  const orders: Replayed[] = [];
  const events: ReplayedEvent[] = [];
  const answers = new Map<string, Answer[]>();
  const decidedBefore = new Map<string, PaymentRecord | undefined>();
  const historyBefore = new Map<string, HistoryEntry[]>();
  let customer = '';
  let pending = new Set<string>();
  const figures = { setupMs: 0, deliveries: 0, deliverMs: 0, drainMs: 0, slowestDeliveryMs: 0 };

  /** Polls the order until `done` holds (bounded), returning the last read. */
  async function orderUntil(orderId: string, done: (o: OrderBody) => boolean, timeoutMs = 45_000): Promise<OrderBody> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const read = await call('GET', `/orders/${orderId}`, customer);
      const order = (read.status === 200 ? read.body : { orderId, status: `HTTP ${read.status}`, ...read.body }) as OrderBody;
      if ((read.status === 200 && done(order)) || Date.now() > deadline) return order;
      await sleep(300);
    }
  }

  /**
   * The order's status changes, oldest first: PENDING at its creation, then its `history` list (docs/data-model.md,
   * "Orders"), each entry `<at> <status>`, in the order the changes were written.
   */
  const history = async (orderId: string): Promise<HistoryEntry[]> => {
    const item = await orderItem(orderId);
    const moves = ((item.history as string[] | undefined) ?? []).map((entry) => {
      const [at = '', status = ''] = entry.split(' ');
      return { at, status: status as OrderStatus };
    });
    return [{ at: String(item.createdAt), status: 'PENDING' }, ...moves];
  };

  const orderItem = async (orderId: string): Promise<Json> => {
    const { Item } = await dynamodb.send(
      new GetItemCommand({ TableName: ordersTable, Key: { pk: { S: `ORDER#${orderId}` }, sk: { S: 'ORDER' } }, ConsistentRead: true }),
    );
    return Item ? unmarshall(Item) : {};
  };

  /** The ledger items of this run's events (a full scan: only an id prefix finds them all, and it also shows strays). */
  async function ledgerItems(): Promise<Json[]> {
    const items: Json[] = [];
    let after: Record<string, AttributeValue> | undefined;
    do {
      const page = await dynamodb.send(
        new ScanCommand({
          TableName: paymentsTable,
          FilterExpression: 'begins_with(pk, :prefix)',
          ExpressionAttributeValues: { ':prefix': { S: `EVENT#stripe#${eventPrefix}` } },
          ConsistentRead: true,
          ...(after ? { ExclusiveStartKey: after } : {}),
        }),
      );
      items.push(...(page.Items ?? []).map((i) => unmarshall(i)));
      after = page.LastEvaluatedKey;
    } while (after);
    return items;
  }

  /**
   * The effects the payment events consumer logged ("Payment event applied", the runtime's CloudWatch logs) for this
   * run's events, by event id: the ledger keeps the first effect only, the log shows every time one was applied.
   */
  function appliedInLogs(): Map<string, string[]> {
    const directory = path.join(path.dirname(process.env.STOCKADE_ENDPOINTS as string), 'logs');
    const file = readdirSync(directory).find((f) => f.startsWith('ApplyPaymentEvents'));
    if (!file) throw new Error(`No log of the payment events consumer in ${directory}`);
    const applied = new Map<string, string[]>();
    for (const line of readFileSync(path.join(directory, file), 'utf8').split('\n')) {
      if (!line.includes(eventPrefix)) continue;
      const entry = JSON.parse(line) as { message?: string; eventId?: string; effect?: string };
      if (entry.message === 'Payment event applied' && entry.eventId) applied.set(entry.eventId, [...(applied.get(entry.eventId) ?? []), String(entry.effect)]);
    }
    return applied;
  }

  /** The ids among `ids` whose ledger item has no processedAt yet. */
  async function unprocessed(ids: readonly string[]): Promise<string[]> {
    const done = new Set<string>();
    for (let i = 0; i < ids.length; i += 100) {
      let keys: Array<Record<string, AttributeValue>> | undefined = ids
        .slice(i, i + 100)
        .map((id) => ({ pk: { S: `EVENT#stripe#${id}` }, sk: { S: 'EVENT' } }));
      while (keys?.length) {
        const got: BatchGetItemCommandOutput = await dynamodb.send(
          new BatchGetItemCommand({ RequestItems: { [paymentsTable]: { Keys: keys, ConsistentRead: true, ProjectionExpression: 'eventId, processedAt' } } }),
        );
        for (const item of got.Responses?.[paymentsTable] ?? []) if (item.processedAt?.S) done.add(item.eventId?.S ?? '');
        keys = got.UnprocessedKeys?.[paymentsTable]?.Keys;
      }
    }
    return ids.filter((id) => !done.has(id));
  }

  /** A Stripe event as Stripe sends it (data.object the object as the API shows it, adjusted to what the type says). */
  function stripeEvent(n: number, order: Replayed, type: string, charge: Stripe.Charge | undefined): ReplayedEvent {
    const id = `${eventPrefix}${String(n).padStart(3, '0')}`;
    const pi = order.intent;
    let object: unknown;
    let created = nowSeconds() - 60 + (n % 60);
    switch (type) {
      case 'payment_intent.payment_failed':
        // Stale: the attempt declined before the one that paid (or the only one, for an unpaid order).
        created = pi.created;
        object = {
          ...pi,
          status: 'requires_payment_method',
          amount_received: 0,
          latest_charge: null,
          last_payment_error: {
            type: 'card_error',
            code: 'card_declined',
            decline_code: 'generic_decline',
            message: 'Your card was declined.',
            doc_url: 'https://stripe.com/docs/error-codes/card-declined',
          },
        };
        break;
      case 'payment_intent.canceled':
        object = { ...pi, status: 'canceled', canceled_at: nowSeconds(), cancellation_reason: 'abandoned', amount_received: 0 };
        break;
      case 'payment_intent.processing':
        object = { ...pi, status: 'processing', amount_received: 0 };
        break;
      case 'payment_intent.requires_action':
        object = {
          ...pi,
          status: 'requires_action',
          next_action: {
            type: 'use_stripe_sdk',
            use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: 'https://hooks.stripe.com/3d_secure_2/hosted' },
          },
        };
        break;
      case 'payment_intent.created':
        created = pi.created;
        object = { ...pi, status: 'requires_payment_method', amount_received: 0, latest_charge: null, payment_method: null };
        break;
      case 'payment_intent.succeeded':
        object = pi;
        break;
      case 'charge.updated':
      case 'charge.succeeded':
        object = { ...charge, ...(type === 'charge.updated' ? { description: `Order ${order.orderId}` } : {}) };
        break;
      case 'customer.created':
        object = {
          id: `cus_replay_${run}_${n}`,
          object: 'customer',
          created,
          email: `replay-${n}@stockade.test`,
          livemode: false,
          metadata: {},
          description: null,
          balance: 0,
          currency: null,
          delinquent: false,
        };
        break;
      case 'payment_method.attached':
        object = {
          id: `pm_replay_${run}_${n}`,
          object: 'payment_method',
          type: 'card',
          created,
          customer: `cus_replay_${run}_${n}`,
          livemode: false,
          metadata: {},
          card: { brand: 'visa', last4: '4242', funding: 'credit', exp_month: 12, exp_year: 2034, country: 'US' },
          billing_details: { address: null, email: null, name: null, phone: null },
        };
        break;
      default:
        throw new Error(`No event body for ${type}`);
    }
    const event = {
      id,
      object: 'event',
      api_version: Stripe.API_VERSION,
      created,
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    };
    return { id, type, orderId: order.orderId, body: JSON.stringify(event) };
  }

  async function deliver(event: ReplayedEvent): Promise<Answer> {
    const started = Date.now();
    // Signed at send time, as Stripe signs every attempt: a replayed delivery carries a fresh timestamp.
    const signature = Stripe.webhooks.generateTestHeaderString({ payload: event.body, secret: webhookSecret, timestamp: nowSeconds() });
    let response: Response;
    let body: string;
    try {
      response = await fetch(`${endpoints.apiUrl}/webhooks/stripe`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
        body: event.body,
      });
      body = await response.text();
    } catch (error) {
      // No answer at all (a dropped connection) is a failed delivery too, reported with the others.
      return { status: 0, body: (error as Error).message };
    }
    figures.slowestDeliveryMs = Math.max(figures.slowestDeliveryMs, Date.now() - started);
    let duplicate: boolean | undefined;
    try {
      duplicate = (JSON.parse(body) as { duplicate?: boolean }).duplicate;
    } catch {
      // Not JSON: the status and the raw body say what went wrong.
    }
    return { status: response.status, body: body.slice(0, 300), ...(duplicate === undefined ? {} : { duplicate }) };
  }

  beforeAll(async () => {
    const setupStarted = Date.now();
    const client = cognitoClient();
    let vendor = '';
    try {
      vendor = await signIn(client, users.vendor);
      customer = (await newCustomer(client, 'webhook-replay')).accessToken;
    } finally {
      client.destroy();
    }
    const skus = [0, 1, 2, 3].map((i) => ({
      sku: `REPLAY-${tag}-${i}`,
      name: `Size ${i}`,
      price: { amount: 1200 + 300 * i, currency: 'EUR' },
      initialStock: 20,
    }));
    const created = await call('POST', '/vendor/products', vendor, { name: `Replay jug ${tag}`, description: 'Salt glaze', skus });
    expect(created.status).toBe(201);

    // Real orders through the API, each left by its saga waiting for the payment; the first PAID are then paid for
    // real and confirmed by the stand-in's own webhooks. Each order goes through on its own, a few at a time.
    const awaiting: OrderBody[] = [];
    const settled: OrderBody[] = [];
    await bounded(
      Array.from({ length: ORDERS }, (_, i) => i),
      5,
      () => 1,
      async (i) => {
        const body = { items: [{ sku: skus[i % skus.length]?.sku, quantity: 1 + (i % 3) }] };
        const key = randomUUID();
        // A checkout that timed out (a cold start on a busy machine) or is still running under its key (409) is sent
        // again with the same key, as a client would.
        let accepted = await call('POST', '/checkout', customer, body, { 'Idempotency-Key': key });
        for (let attempt = 1; (accepted.status >= 500 || accepted.status === 409) && attempt < 4; attempt++) {
          await sleep(1000);
          accepted = await call('POST', '/checkout', customer, body, { 'Idempotency-Key': key });
        }
        expect(accepted).toMatchObject({ status: 202 });
        const order = await orderUntil(String(accepted.body.orderId), (o) => o.status !== 'PENDING' && o.status !== 'RESERVED');
        awaiting[i] = order;
        if (i >= PAID || order.status !== 'AWAITING_PAYMENT') return;
        await stripe.paymentIntents.confirm(order.payment?.paymentIntentId as string, { payment_method: 'pm_card_visa' });
        settled[i] = await orderUntil(order.orderId, (o) => o.status !== 'AWAITING_PAYMENT');
      },
    );
    expect(awaiting.map((o) => o.status)).toEqual(awaiting.map(() => 'AWAITING_PAYMENT'));
    expect(settled.map((o) => o.status)).toEqual(Array.from({ length: PAID }, () => expect.stringMatching(/^(CONFIRMED|FULFILLED)$/)));

    for (const [i, o] of awaiting.entries()) {
      const intent = await stripe.paymentIntents.retrieve(o.payment?.paymentIntentId as string);
      expect(intent.metadata.orderId).toBe(o.orderId);
      orders.push({ orderId: o.orderId, paid: i < PAID, intent });
      decidedBefore.set(o.orderId, await paymentRecords.get(intent.id));
      historyBefore.set(o.orderId, await history(o.orderId));
    }

    let n = 0;
    for (const order of orders) {
      const charge = order.intent.latest_charge ? await stripe.charges.retrieve(String(order.intent.latest_charge)) : undefined;
      const mix = order.paid ? PAID_MIX : UNPAID_MIX;
      for (let k = 0; k < EVENTS_PER_ORDER; k++) events.push(stripeEvent(n++, order, mix[k % mix.length] as string, charge));
    }
    figures.setupMs = Date.now() - setupStarted;

    // Every event three times plus one concurrent pair, all in one seeded shuffle.
    const deliveries: Delivery[] = shuffled(
      events.flatMap((event) => [...Array.from({ length: DELIVERIES_PER_EVENT }, () => ({ event, copies: 1 as const })), { event, copies: 2 as const }]),
      mulberry32(seed),
    );
    console.log(
      `webhook replay: seed ${seed} (REPLAY_SEED=${seed} replays this order), run ${run}, ${events.length} events, ${deliveries.length} delivery slots`,
    );
    // Warm the webhook function's execution environments with requests that record nothing (unsigned: 400), so the
    // figures below measure the replay, not ten cold starts on a 2-core machine.
    const warm = await Promise.all(
      Array.from({ length: IN_FLIGHT }, () =>
        fetch(`${endpoints.apiUrl}/webhooks/stripe`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }),
      ),
    );
    expect(warm.map((w) => w.status)).toEqual(warm.map(() => 400));
    const deliverStarted = Date.now();
    await bounded(
      deliveries,
      IN_FLIGHT,
      (d) => d.copies,
      async ({ event, copies }) => {
        const got: Answer[] = copies === 2 ? await Promise.all([deliver(event), deliver(event)]) : [await deliver(event)];
        answers.set(event.id, [...(answers.get(event.id) ?? []), ...got]);
      },
    );
    const delivered = Date.now();
    figures.deliverMs = delivered - deliverStarted;
    figures.deliveries = [...answers.values()].reduce((sum, a) => sum + a.length, 0);

    // Drained: every event of the run applied by the consumer (bounded; what is left is asserted below).
    pending = new Set(events.map((e) => e.id));
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    while (pending.size > 0 && Date.now() < deadline) {
      pending = new Set(await unprocessed([...pending]));
      if (pending.size > 0) await sleep(250);
    }
    figures.drainMs = Date.now() - delivered;

    // The unpaid orders' sagas compensate after their decline: wait until each has ended (bounded).
    for (const order of orders.filter((o) => !o.paid)) await orderUntil(order.orderId, (o) => o.status === 'FAILED', 30_000);
    for (const order of orders) await executionEnded(order.orderId, 30_000);
  }, 480_000);

  afterAll(() => {
    dynamodb.destroy();
    sfn.destroy();
    const perSecond = figures.deliverMs ? (figures.deliveries / (figures.deliverMs / 1000)).toFixed(1) : 'n/a';
    console.log(
      `webhook replay figures: seed ${seed}; setup ${(figures.setupMs / 1000).toFixed(1)} s; ${figures.deliveries} deliveries in ${(figures.deliverMs / 1000).toFixed(1)} s ` +
        `(${perSecond}/s, ${IN_FLIGHT} in flight, slowest ${figures.slowestDeliveryMs} ms); queue drained ${(figures.drainMs / 1000).toFixed(1)} s after the last delivery`,
    );
  });

  const executionArn = (orderId: string) => `${sagaArn.replace(':stateMachine:', ':execution:')}:${orderId}`;

  async function executionEnded(orderId: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await sfn.send(new DescribeExecutionCommand({ executionArn: executionArn(orderId) }))).status === 'RUNNING' && Date.now() < deadline)
      await sleep(300);
  }

  async function executionHistory(orderId: string): Promise<HistoryEvent[]> {
    const out: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn: executionArn(orderId), maxResults: 1000, ...(nextToken ? { nextToken } : {}) }),
      );
      out.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return out;
  }

  it('acknowledges every delivery with 2xx, and exactly one delivery of each event is the first', () => {
    expect(figures.deliveries).toBe(events.length * (DELIVERIES_PER_EVENT + 2));
    const refused = [...answers].flatMap(([id, got]) => got.filter((a) => a.status < 200 || a.status > 299).map((a) => `${id}: ${a.status} ${a.body}`));
    expect(refused).toEqual([]);
    const firsts = events.map((e) => (answers.get(e.id) ?? []).filter((a) => a.duplicate === false).length);
    expect(firsts.filter((count) => count !== 1)).toEqual([]);
  });

  it('applies every event exactly once: one ledger item per event id, with one processedAt and an effect', async () => {
    expect([...pending]).toEqual([]);
    const items = await ledgerItems();
    expect(items).toHaveLength(events.length);
    const byId = new Map(items.map((i) => [String(i.eventId), i]));
    expect([...byId.keys()].sort()).toEqual(events.map((e) => e.id).sort());
    const wrong: string[] = [];
    for (const event of events) {
      const item = byId.get(event.id) as Json;
      const receivedAt = String(item.receivedAt);
      const processedAt = item.processedAt;
      if (item.type !== event.type) wrong.push(`${event.id}: type ${String(item.type)}, sent ${event.type}`);
      if (typeof processedAt !== 'string' || processedAt < receivedAt) wrong.push(`${event.id}: processedAt ${String(processedAt)} (received ${receivedAt})`);
      if (typeof item.effect !== 'string') wrong.push(`${event.id}: no effect`);
      else if (!OUTCOME_TYPES.has(event.type) && item.effect !== 'ignored') wrong.push(`${event.id} (${event.type}): effect ${item.effect}, expected ignored`);
      else if (OUTCOME_TYPES.has(event.type) && !['recorded', 'resumed'].includes(item.effect))
        wrong.push(`${event.id} (${event.type}): effect ${item.effect}`);
    }
    expect(wrong).toEqual([]);

    // Applied once each: no copy reached the consumer's effect a second time (the ledger would hide it).
    let logged = appliedInLogs();
    for (const deadline = Date.now() + 5_000; logged.size < events.length && Date.now() < deadline; logged = appliedInLogs()) await sleep(200);
    const notOnce = events.filter((e) => (logged.get(e.id) ?? []).filter((effect) => effect !== 'already-applied').length !== 1);
    expect(notOnce.map((e) => `${e.id}: ${JSON.stringify(logged.get(e.id) ?? [])}`)).toEqual([]);
    expect(events.filter((e) => logged.get(e.id)?.find((effect) => effect !== 'already-applied') !== byId.get(e.id)?.effect).map((e) => e.id)).toEqual([]);
  });

  it('leaves every paid order paid: CONFIRMED or FULFILLED, its history only forward, its payment decided once, nothing refunded', async () => {
    const findings: string[] = [];
    for (const order of orders.filter((o) => o.paid)) {
      const stored = await orderItem(order.orderId);
      if (!['CONFIRMED', 'FULFILLED'].includes(String(stored.status))) findings.push(`${order.orderId}: ${String(stored.status)}`);
      if ((stored.paymentOutcome as Json | undefined)?.kind !== 'succeeded' || stored.paymentStatus !== 'succeeded')
        findings.push(`${order.orderId}: payment ${JSON.stringify(stored.paymentOutcome)} / ${String(stored.paymentStatus)}`);
      const steps = await history(order.orderId);
      const illegal = illegalSteps(steps);
      if (illegal.length) findings.push(`${order.orderId}: history ${illegal.join(', ')}`);
      if (!steps.some((s) => s.status === 'CONFIRMED')) findings.push(`${order.orderId}: never CONFIRMED`);
      for (const before of historyBefore.get(order.orderId) ?? []) {
        if (!steps.some((s) => s.at === before.at && s.status === before.status))
          findings.push(`${order.orderId}: history entry ${before.at} ${before.status} lost`);
      }
      const before = decidedBefore.get(order.orderId);
      const after = await paymentRecords.get(order.intent.id);
      if (before?.state !== 'SUCCEEDED') findings.push(`${order.orderId}: payment record before the replay ${JSON.stringify(before)}`);
      if (
        after?.state !== 'SUCCEEDED' ||
        after.decidedAt !== before?.decidedAt ||
        after.decidedBy !== before?.decidedBy ||
        after.outcome?.kind !== 'succeeded'
      ) {
        findings.push(`${order.orderId}: payment record ${JSON.stringify(before)} became ${JSON.stringify(after)}`);
      }
      const refunds = await stripe.refunds.list({ payment_intent: order.intent.id, limit: 10 });
      if (refunds.data.length) findings.push(`${order.orderId}: refunded ${refunds.data.map((r) => r.id).join(', ')}`);
      const intent = await stripe.paymentIntents.retrieve(order.intent.id);
      if (intent.status !== 'succeeded') findings.push(`${order.orderId}: PaymentIntent ${intent.status}`);
    }
    expect(findings).toEqual([]);
  });

  it('fails every unpaid order once, for its decline, with its PaymentIntent canceled and nothing refunded', async () => {
    const findings: string[] = [];
    for (const order of orders.filter((o) => !o.paid)) {
      const stored = await orderItem(order.orderId);
      if (stored.status !== 'FAILED' || !/declined/.test(String(stored.failureReason)))
        findings.push(`${order.orderId}: ${String(stored.status)} (${String(stored.failureReason)})`);
      const steps = await history(order.orderId);
      const illegal = illegalSteps(steps);
      if (illegal.length) findings.push(`${order.orderId}: history ${illegal.join(', ')}`);
      const failures = steps.filter((s) => s.status === 'FAILED').length;
      if (failures !== 1) findings.push(`${order.orderId}: FAILED ${failures} times`);
      const intent = await stripe.paymentIntents.retrieve(order.intent.id);
      if (intent.status !== 'canceled') findings.push(`${order.orderId}: PaymentIntent ${intent.status}`);
      const refunds = await stripe.refunds.list({ payment_intent: order.intent.id, limit: 10 });
      if (refunds.data.length) findings.push(`${order.orderId}: refunded ${refunds.data.map((r) => r.id).join(', ')}`);
      const record = await paymentRecords.get(order.intent.id);
      if (record?.state === 'SUCCEEDED') findings.push(`${order.orderId}: payment record SUCCEEDED`);
    }
    expect(findings).toEqual([]);
  });

  it("answers each saga's payment wait once: one execution per order, its AwaitPayment ended once", async () => {
    const findings: string[] = [];
    // The ledger agrees: an unpaid order's saga is resumed by exactly one event of the replay, a paid one (resumed
    // before the replay) by none.
    const resumedBy = new Map<string, number>();
    for (const item of await ledgerItems()) {
      const orderId = (item.paymentIntent as Json | undefined)?.orderId as string | undefined;
      if (item.effect === 'resumed' && orderId) resumedBy.set(orderId, (resumedBy.get(orderId) ?? 0) + 1);
    }
    for (const order of orders) {
      const resumed = resumedBy.get(order.orderId) ?? 0;
      if (resumed !== (order.paid ? 0 : 1)) findings.push(`${order.orderId}: ${resumed} events of the replay say they resumed its saga`);
    }
    for (const order of orders) {
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: executionArn(order.orderId) }));
      if (execution.status !== 'SUCCEEDED') findings.push(`${order.orderId}: execution ${String(execution.status)}`);
      const events = await executionHistory(order.orderId);
      const waits = events.filter((e) => e.type === 'TaskStateEntered' && e.stateEnteredEventDetails?.name === 'AwaitPayment').length;
      const answered = events.filter(
        (e) =>
          (e.type === 'TaskSucceeded' || e.type === 'TaskFailed') &&
          (e.taskSucceededEventDetails ?? e.taskFailedEventDetails)?.resource === 'invoke.waitForTaskToken',
      );
      if (waits !== 1) findings.push(`${order.orderId}: AwaitPayment entered ${waits} times`);
      const expected = order.paid ? 'TaskSucceeded' : 'TaskFailed:PaymentDeclined';
      const got = answered.map((e) => (e.type === 'TaskFailed' ? `TaskFailed:${String(e.taskFailedEventDetails?.error)}` : String(e.type)));
      if (got.length !== 1 || got[0] !== expected) findings.push(`${order.orderId}: payment wait answered ${JSON.stringify(got)}, expected [${expected}]`);
    }
    expect(findings).toEqual([]);
  });
});
