import { randomBytes } from 'node:crypto';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import Stripe from 'stripe';
import { apiCaller } from '../support/api';
import { localCredentials, testEndpoints } from '../support/endpoints';
import { cognitoClient, newCustomer, signIn } from '../support/identity';
import { mulberry32 } from '../support/random';
import { totalWithDefaultShipping } from '../support/shipping';

/**
 * Checkout under concurrency, over HTTP against the local runtime: many customers racing for little stock never
 * oversell it, a multi-line order holds all of its lines or none, and one Idempotency-Key makes one order and one
 * PaymentIntent however often and however concurrently it is sent. Stock is read straight from the catalog table.
 */

type Line = { sku: string; quantity: number };
type OrderView = {
  orderId: string;
  status: string;
  lines: Line[];
  total: { amount: number; currency: string };
  payment?: { paymentIntentId: string; clientSecret?: string; status: string };
  failureReason?: string;
};
type Stock = { onHand: number; reserved: number; available: number; version: number };
type Placed = { orderId: string; token: string; lines: Line[] };

/** States the saga rests in until someone pays (or the hold expires): the ones every accepted order must reach. */
const SETTLED = new Set(['AWAITING_PAYMENT', 'FAILED']);
const SETTLE_TIMEOUT_MS = 90_000;

const between = (rng: () => number, low: number, high: number) => low + Math.floor(rng() * (high - low + 1));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `work` over `items` with at most `limit` in flight; results in input order. */
async function pool<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T, i);
    }
  });
  await Promise.all(runners);
  return results;
}

describe('checkout under concurrency, end to end', () => {
  const endpoints = testEndpoints();
  const { apiUrl } = endpoints;
  const users = endpoints.users as NonNullable<typeof endpoints.users>;
  const stripeConfig = endpoints.stripe as NonNullable<typeof endpoints.stripe>;
  const stripe = new Stripe(stripeConfig.apiKey, { host: stripeConfig.host, port: stripeConfig.port, protocol: 'http', maxNetworkRetries: 0 });
  const ddb = new DynamoDBClient({ endpoint: endpoints.aws.dynamodb, region: 'us-east-1', credentials: localCredentials });
  const catalogTable = Object.entries(endpoints.tables).find(([id]) => id.startsWith('CatalogTable'))?.[1] as string;
  // Unique per run, so reruns against the same runtime never meet an earlier run's SKUs or keys.
  const tag = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`.toUpperCase();
  let vendorToken = '';
  const customers: string[] = [];

  beforeAll(async () => {
    const client = cognitoClient();
    try {
      vendorToken = await signIn(client, users.vendor);
      for (const n of [1, 2, 3, 4, 5]) customers.push((await newCustomer(client, `race${n}`)).accessToken);
    } finally {
      client.destroy();
    }
    // Warm the checkout function's (and the authorizer's) execution environments with requests that create nothing
    // (no Idempotency-Key: 400), so the first burst below does not also pay for ten cold starts on a 2-core machine.
    const warm = await Promise.all(Array.from({ length: 20 }, (_, i) => call('POST', '/checkout', customers[i % customers.length], {})));
    expect(warm.map((w) => w.status)).toEqual(warm.map(() => 400));
  }, 120_000);
  afterAll(() => ddb.destroy());

  const call = apiCaller(apiUrl);
  const checkout = (token: string, key: string, body: unknown) => call('POST', '/checkout', token, body, { 'Idempotency-Key': key });
  const getOrder = async (token: string, orderId: string) => {
    const got = await call('GET', `/orders/${orderId}`, token);
    if (got.status !== 200) throw new Error(`GET /orders/${orderId} answered ${got.status}: ${JSON.stringify(got.body)}`);
    return got.body as unknown as OrderView;
  };

  /** One product of the demo vendor with the given SKUs and stock, created over the API. */
  const createSkus = async (name: string, skus: ReadonlyArray<{ sku: string; stock: number }>) => {
    const created = await call('POST', '/vendor/products', vendorToken, {
      name: `${name} ${tag}`,
      description: 'Checkout concurrency e2e',
      skus: skus.map((s) => ({ sku: s.sku, name: s.sku, price: { amount: 1000, currency: 'EUR' }, initialStock: s.stock })),
    });
    expect(created.status).toBe(201);
  };

  const stockOf = async (sku: string): Promise<Stock> => {
    const { Item } = await ddb.send(new GetItemCommand({ TableName: catalogTable, Key: marshall({ pk: `SKU#${sku}`, sk: 'SKU' }), ConsistentRead: true }));
    if (!Item) throw new Error(`No SKU item for ${sku}`);
    const i = unmarshall(Item);
    return { onHand: Number(i.onHand), reserved: Number(i.reserved), available: Number(i.available), version: Number(i.version) };
  };
  const holdOf = async (orderId: string) => {
    const { Item } = await ddb.send(
      new GetItemCommand({ TableName: catalogTable, Key: marshall({ pk: `HOLD#${orderId}`, sk: 'HOLD' }), ConsistentRead: true }),
    );
    return Item ? (unmarshall(Item) as { status: string; lines: Line[] }) : undefined;
  };

  /** Polls each accepted order (bounded) until it left PENDING/RESERVED for AWAITING_PAYMENT or FAILED. */
  const settle = async (placed: readonly Placed[]): Promise<Map<string, OrderView>> => {
    const views = new Map<string, OrderView>();
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    let open = [...placed];
    while (open.length > 0) {
      const read = await pool(open, 16, (p) => getOrder(p.token, p.orderId));
      read.forEach((v) => views.set(v.orderId, v));
      open = open.filter((p) => !SETTLED.has(views.get(p.orderId)?.status ?? ''));
      if (open.length === 0) break;
      if (Date.now() > deadline) {
        const stuck = open.slice(0, 10).map((p) => `${p.orderId}=${views.get(p.orderId)?.status}`);
        throw new Error(`${open.length} orders did not settle within ${SETTLE_TIMEOUT_MS / 1000} s: ${stuck.join(', ')}`);
      }
      await sleep(500);
    }
    return views;
  };

  const waitForStatus = async (token: string, orderId: string, wanted: readonly string[], timeoutMs = 60_000): Promise<OrderView> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const order = await getOrder(token, orderId);
      if (wanted.includes(order.status)) return order;
      if (Date.now() > deadline) throw new Error(`Order ${orderId} is ${order.status}, not ${wanted.join('/')}, after ${timeoutMs / 1000} s`);
      await sleep(250);
    }
  };

  /** Transactions the runtime's DynamoDB cancelled with TransactionConflict so far (local/aws/dynamodb/dynamodb-front.ts). */
  const conflictsSoFar = async (): Promise<number> => {
    const answer = await fetch(`${endpoints.aws.dynamodb}/_stockade/dynamodb`);
    return ((await answer.json()) as { conflicts: { transactWrites: number } }).conflicts.transactWrites;
  };

  const sumOf = (orders: Iterable<OrderView>, sku: string) =>
    [...orders].reduce((sum, o) => sum + o.lines.filter((l) => l.sku === sku).reduce((s, l) => s + l.quantity, 0), 0);

  describe('one SKU with 50 in stock, 200 concurrent checkouts of 1..5', () => {
    const STOCK = 50;
    const ORDERS = 200;

    it.each([7, 1337, 20240601])(
      'never oversells (seed %i); paid orders take their stock for good',
      async (seed) => {
        const started = Date.now();
        const conflictsBefore = await conflictsSoFar();
        const rng = mulberry32(seed);
        const sku = `RACE-${tag}-${seed}`;
        await createSkus(`Race ${seed}`, [{ sku, stock: STOCK }]);
        const attempts = Array.from({ length: ORDERS }, (_, i) => ({
          token: customers[between(rng, 0, customers.length - 1)] as string,
          key: `race-${tag}-${seed}-${String(i).padStart(3, '0')}`,
          quantity: between(rng, 1, 5),
        }));

        // 50 in flight at a time (5x the local Lambda concurrency), so checkouts and sagas overlap throughout while no
        // request queues long enough to meet API Gateway's 29 s integration timeout on a busy 2-core machine.
        const answers = await pool(attempts, 50, (a) => checkout(a.token, a.key, { items: [{ sku, quantity: a.quantity }] }));
        const statuses = answers.map((a) => a.status);
        expect(statuses.filter((s) => s !== 202 && s !== 409)).toEqual([]);
        const placed: Placed[] = [];
        answers.forEach((a, i) => {
          if (a.status !== 202) return;
          const attempt = attempts[i] as (typeof attempts)[number];
          expect(a.headers.get('location')).toBe(`/orders/${String(a.body.orderId)}`);
          placed.push({ orderId: String(a.body.orderId), token: attempt.token, lines: [{ sku, quantity: attempt.quantity }] });
        });
        expect(new Set(placed.map((p) => p.orderId)).size).toBe(placed.length);
        const accepted = Date.now();

        const views = await settle(placed);
        // The reservations on the one SKU item overlapped, and DynamoDB cancelled some of them (TransactionConflict);
        // the ledger's and the saga's retries carried every one of them to AWAITING_PAYMENT or out of stock.
        expect(await conflictsSoFar()).toBeGreaterThan(conflictsBefore);
        const held = [...views.values()].filter((o) => o.status === 'AWAITING_PAYMENT');
        const failed = [...views.values()].filter((o) => o.status === 'FAILED');
        expect(held.length + failed.length).toBe(placed.length);
        // Every order is what was asked for, priced from the catalog.
        for (const p of placed)
          expect(views.get(p.orderId)).toMatchObject({
            lines: p.lines,
            total: { amount: totalWithDefaultShipping(1000 * (p.lines[0] as Line).quantity), currency: 'EUR' },
          });
        const heldQuantity = sumOf(held, sku);
        expect(heldQuantity).toBeLessThanOrEqual(STOCK);
        for (const o of failed) {
          expect(o.failureReason).toMatch(/^Not enough stock for /);
          expect(o.failureReason).toContain(sku);
        }

        const stock = await stockOf(sku);
        expect(stock).toMatchObject({ onHand: STOCK, reserved: heldQuantity, available: STOCK - heldQuantity });
        expect(Math.min(stock.onHand, stock.reserved, stock.available)).toBeGreaterThanOrEqual(0);
        // Every hold is the whole order, and only the orders awaiting payment hold anything.
        for (const o of held) expect(await holdOf(o.orderId)).toMatchObject({ status: 'ACTIVE', lines: [{ sku, quantity: (o.lines[0] as Line).quantity }] });
        for (const o of failed) expect((await holdOf(o.orderId))?.status).not.toBe('ACTIVE');

        // Pay three of them: they are confirmed, and the stock they held leaves onHand for good.
        const paid = held.slice(0, 3);
        expect(paid.length).toBeGreaterThan(0);
        await Promise.all(paid.map((o) => stripe.paymentIntents.confirm(o.payment?.paymentIntentId as string, { payment_method: 'pm_card_visa' })));
        const token = (orderId: string) => (placed.find((p) => p.orderId === orderId) as Placed).token;
        const confirmed = await Promise.all(paid.map((o) => waitForStatus(token(o.orderId), o.orderId, ['CONFIRMED', 'FULFILLED'])));
        expect(confirmed.map((o) => o.status).every((s) => s === 'CONFIRMED' || s === 'FULFILLED')).toBe(true);
        const paidQuantity = sumOf(paid, sku);
        const after = await stockOf(sku);
        expect(after).toMatchObject({ onHand: STOCK - paidQuantity, reserved: heldQuantity - paidQuantity, available: STOCK - heldQuantity });
        expect(Math.min(after.onHand, after.reserved, after.available)).toBeGreaterThanOrEqual(0);

        console.log(
          `seed ${seed}: ${ORDERS} checkouts -> ${placed.length} accepted (202), ${ORDERS - placed.length} refused up front (409); ` +
            `${held.length} hold ${heldQuantity}/${STOCK}, ${failed.length} FAILED out of stock; paid ${paid.length} (${paidQuantity} units); ` +
            `accepted in ${accepted - started} ms, settled+paid in ${Date.now() - accepted} ms`,
        );
      },
      180_000,
    );
  });

  it('multi-line orders racing for 5 small SKUs hold all of their lines or none', async () => {
    const rng = mulberry32(4242);
    const STOCK = 6;
    const skus = [1, 2, 3, 4, 5].map((n) => `MULTI-${tag}-${n}`);
    await createSkus(
      'Multi',
      skus.map((sku) => ({ sku, stock: STOCK })),
    );
    const attempts = Array.from({ length: 60 }, (_, i) => {
      const shuffled = [...skus];
      for (let j = shuffled.length - 1; j > 0; j--) {
        const k = between(rng, 0, j);
        [shuffled[j], shuffled[k]] = [shuffled[k] as string, shuffled[j] as string];
      }
      const lines = shuffled.slice(0, between(rng, 2, 4)).map((sku) => ({ sku, quantity: between(rng, 1, 3) }));
      return { token: customers[between(rng, 0, customers.length - 1)] as string, key: `multi-${tag}-${String(i).padStart(3, '0')}`, lines };
    });

    const answers = await Promise.all(attempts.map((a) => checkout(a.token, a.key, { items: a.lines })));
    expect(answers.map((a) => a.status).filter((s) => s !== 202 && s !== 409)).toEqual([]);
    const placed: Placed[] = answers.flatMap((a, i) =>
      a.status === 202
        ? [
            {
              orderId: String(a.body.orderId),
              token: (attempts[i] as (typeof attempts)[number]).token,
              lines: (attempts[i] as (typeof attempts)[number]).lines,
            },
          ]
        : [],
    );

    const views = await settle(placed);
    const held = [...views.values()].filter((o) => o.status === 'AWAITING_PAYMENT');
    const failed = [...views.values()].filter((o) => o.status === 'FAILED');
    expect(held.length + failed.length).toBe(placed.length);
    for (const p of placed) expect(views.get(p.orderId)?.lines.map((l) => ({ sku: l.sku, quantity: l.quantity }))).toEqual(p.lines);
    // All or none: an order awaiting payment holds exactly its lines; a failed one holds nothing.
    for (const o of held) {
      const hold = await holdOf(o.orderId);
      expect(hold?.status).toBe('ACTIVE');
      expect([...(hold?.lines ?? [])].sort((a, b) => a.sku.localeCompare(b.sku))).toEqual(
        o.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })).sort((a, b) => a.sku.localeCompare(b.sku)),
      );
    }
    for (const o of failed) {
      expect(o.failureReason).toMatch(/^Not enough stock for /);
      expect((await holdOf(o.orderId))?.status).not.toBe('ACTIVE');
    }
    const perSku: string[] = [];
    for (const sku of skus) {
      const heldQuantity = sumOf(held, sku);
      const stock = await stockOf(sku);
      expect({ sku, ...stock }).toMatchObject({ sku, onHand: STOCK, reserved: heldQuantity, available: STOCK - heldQuantity });
      expect(heldQuantity).toBeLessThanOrEqual(STOCK);
      expect(stock.available).toBeGreaterThanOrEqual(0);
      perSku.push(`${sku.slice(-1)}:${heldQuantity}/${STOCK}`);
    }
    console.log(
      `multi-line: 60 checkouts -> ${placed.length} accepted, ${held.length} hold all their lines, ${failed.length} FAILED holding none; reserved ${perSku.join(' ')}`,
    );
  }, 180_000);

  describe('one Idempotency-Key', () => {
    let token = '';
    const sku = `IDEM-${tag}`;
    beforeAll(async () => {
      const client = cognitoClient();
      try {
        token = (await newCustomer(client, 'idem')).accessToken;
      } finally {
        client.destroy();
      }
      await createSkus('Idempotent', [{ sku, stock: 100 }]);
    }, 60_000);

    it('sent 10 times at once makes one order and one PaymentIntent; another body is 409, no key is 400', async () => {
      const key = `idem-${tag}-${randomBytes(8).toString('hex')}`;
      const body = { items: [{ sku, quantity: 2 }] };
      const answers = await Promise.all(Array.from({ length: 10 }, () => checkout(token, key, body)));
      expect(answers.map((a) => a.status).filter((s) => s !== 202 && s !== 409)).toEqual([]);
      const accepted = answers.filter((a) => a.status === 202);
      expect(accepted.length).toBeGreaterThanOrEqual(1);
      const orderId = String(accepted[0]?.body.orderId);
      expect(new Set(accepted.map((a) => a.body.orderId))).toEqual(new Set([orderId]));
      for (const refused of answers.filter((a) => a.status === 409)) expect(refused.headers.get('content-type')).toBe('application/problem+json');

      // The in-progress ones, retried one after the other, get the same order.
      const conflicts = answers.filter((a) => a.status === 409).length;
      for (let i = 0; i < conflicts + 1; i++) {
        let retried = await checkout(token, key, body);
        for (let attempt = 0; retried.status === 409 && attempt < 40; attempt++) {
          await sleep(250);
          retried = await checkout(token, key, body);
        }
        expect(retried.status).toBe(202);
        expect(retried.body.orderId).toBe(orderId);
        expect(retried.headers.get('location')).toBe(`/orders/${orderId}`);
      }

      const order = await waitForStatus(token, orderId, ['AWAITING_PAYMENT']);
      expect(order).toMatchObject({ lines: [{ sku, quantity: 2 }], total: { amount: totalWithDefaultShipping(2000), currency: 'EUR' } });
      const list = await call('GET', '/orders?limit=100', token);
      expect(list.status).toBe(200);
      expect((list.body.items as OrderView[]).map((o) => o.orderId)).toEqual([orderId]);
      const intents = (await stripe.paymentIntents.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 })).filter((pi) => pi.metadata.orderId === orderId);
      expect(intents.map((pi) => pi.id)).toEqual([order.payment?.paymentIntentId]);
      expect(await stockOf(sku)).toMatchObject({ onHand: 100, reserved: 2, available: 98 });

      const otherBody = await checkout(token, key, { items: [{ sku, quantity: 3 }] });
      expect(otherBody.status).toBe(409);
      expect(otherBody.headers.get('content-type')).toBe('application/problem+json');
      const noKey = await call('POST', '/checkout', token, body);
      expect(noKey.status).toBe(400);
      expect(noKey.headers.get('content-type')).toBe('application/problem+json');
      expect(((await call('GET', '/orders?limit=100', token)).body.items as OrderView[]).map((o) => o.orderId)).toEqual([orderId]);
      console.log(
        `idempotency: 10 concurrent -> ${accepted.length} x 202, ${conflicts} x 409 in progress; one order ${orderId}, one PaymentIntent ${intents[0]?.id}`,
      );
    }, 180_000);
  });
});
