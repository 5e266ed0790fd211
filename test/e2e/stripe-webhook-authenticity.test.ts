import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import Stripe from 'stripe';
import { DynamoDbCatalogRepository } from '../../shared/adapters/dynamodb-catalog-repository';
import { DynamoDbOrderRepository } from '../../shared/adapters/dynamodb-order-repository';
import { DynamoDbStockLedger } from '../../shared/adapters/dynamodb-stock-ledger';
import { dynamoDbClient, stripeClient, tableNamed, testEndpoints } from '../support/endpoints';
import { pendingOrder, type ProbeSku, stockedSkus } from '../support/order-builders';
import { until } from '../support/until';
import { ORDER_STATUS_SHARDS } from '../support/runtime-stores';

type Json = Record<string, unknown>;

/**
 * POST /webhooks/stripe refuses every request it cannot attribute to Stripe (unsigned, garbage, tampered, stale,
 * body-swapped, signed with another secret) with a 4xx problem+json, and none of them changes anything: no ledger
 * item, and the order the forged event names is untouched even after the payment events queue has drained. A
 * correctly signed event for the same kind of order is accepted, recorded and applied, so these checks can fail.
 */
describe('Stripe webhook authenticity, end to end', () => {
  const endpoints = testEndpoints();
  const webhookSecret = endpoints.stripe?.webhookSecret as string;
  const stripe = stripeClient(endpoints);
  const dynamodb = dynamoDbClient(endpoints);
  const ordersTable = tableNamed(endpoints, 'OrdersTable');
  const paymentsTable = tableNamed(endpoints, 'PaymentsTable');
  const orders = new DynamoDbOrderRepository(dynamodb, ordersTable, ORDER_STATUS_SHARDS);
  const stockLedger = new DynamoDbStockLedger(dynamodb, tableNamed(endpoints, 'CatalogTable'), ordersTable, ORDER_STATUS_SHARDS);
  let sku: ProbeSku;

  beforeAll(async () => {
    [sku] = (await stockedSkus(new DynamoDbCatalogRepository(dynamodb, tableNamed(endpoints, 'CatalogTable')), {
      prefix: 'WHSIG',
      stock: 100,
      unitAmount: 2100,
    })) as [ProbeSku];
  });
  afterAll(() => dynamodb.destroy());

  /** An order waiting for its payment, as the saga leaves it: stock held, a real PaymentIntent attached (no execution waits on the token). */
  async function awaitingOrder(): Promise<{ orderId: string; intent: Stripe.PaymentIntent }> {
    const order = await pendingOrder(orders, `webhook-authenticity-${randomBytes(3).toString('hex')}`, [{ ...sku, quantity: 1 }]);
    const at = new Date().toISOString();
    const held = await stockLedger.reserve(order.orderId, [{ sku: sku.sku, quantity: 1 }], new Date(Date.now() + 600_000).toISOString(), at);
    if (held.outcome !== 'reserved') throw new Error(`Could not hold ${sku.sku}: ${held.outcome}`);
    const intent = await stripe.paymentIntents.create({ amount: order.total.amount, currency: 'eur', metadata: { orderId: order.orderId } });
    await orders.attachPayment(order.orderId, { provider: 'stripe', paymentIntentId: intent.id, status: intent.status }, at);
    await orders.awaitPayment(order.orderId, 'no-execution-waits', at);
    return { orderId: order.orderId, intent };
  }

  /** The event Stripe would send for this PaymentIntent, as raw JSON (what is signed is these exact bytes). */
  function eventBody(intent: Stripe.PaymentIntent, type = 'payment_intent.succeeded'): { id: string; body: string } {
    const id = `evt_${randomBytes(12).toString('hex')}`;
    const succeeded = type === 'payment_intent.succeeded';
    const object = { ...intent, status: succeeded ? 'succeeded' : 'processing', amount_received: succeeded ? intent.amount : 0 };
    const event = {
      id,
      object: 'event',
      api_version: Stripe.API_VERSION,
      created: nowSeconds(),
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    };
    return { id, body: JSON.stringify(event) };
  }

  const nowSeconds = () => Math.floor(Date.now() / 1000);
  const sign = (body: string, options: { secret?: string; timestamp?: number } = {}) =>
    Stripe.webhooks.generateTestHeaderString({ payload: body, secret: options.secret ?? webhookSecret, timestamp: options.timestamp ?? nowSeconds() });
  const post = (body: string, signature: string | undefined) =>
    fetch(`${endpoints.apiUrl}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(signature === undefined ? {} : { 'Stripe-Signature': signature }) },
      body,
    });

  const ledgerItem = async (eventId: string): Promise<Json | undefined> => {
    const { Item } = await dynamodb.send(
      new GetItemCommand({ TableName: paymentsTable, Key: { pk: { S: `EVENT#stripe#${eventId}` }, sk: { S: 'EVENT' } }, ConsistentRead: true }),
    );
    return Item ? unmarshall(Item) : undefined;
  };
  /** The order item exactly as stored: any write (status, outcome, updatedAt) shows. */
  const orderItem = async (orderId: string): Promise<Json | undefined> => {
    const { Item } = await dynamodb.send(
      new GetItemCommand({ TableName: ordersTable, Key: { pk: { S: `ORDER#${orderId}` }, sk: { S: 'ORDER' } }, ConsistentRead: true }),
    );
    return Item ? unmarshall(Item) : undefined;
  };

  /**
   * Waits until the payment events queue has applied everything queued so far for this PaymentIntent: a correctly
   * signed event of a type Stockade ignores goes into the same FIFO group, so once it is applied, anything a forged
   * request had queued before it would have been applied too.
   */
  async function drained(intent: Stripe.PaymentIntent): Promise<void> {
    const barrier = eventBody(intent, 'payment_intent.processing');
    const response = await post(barrier.body, sign(barrier.body));
    expect(response.status).toBe(200);
    await until('the barrier event to be applied', async () => ((await ledgerItem(barrier.id))?.processedAt ? true : undefined));
  }

  /** Flips one byte of the body inside the amount's digits, keeping it valid JSON with the same event id. */
  function oneByteChanged(body: string): string {
    const at = body.indexOf('"amount":') + '"amount":'.length;
    const digit = body.charAt(at);
    const tampered = `${body.slice(0, at)}${digit === '9' ? '1' : String(Number(digit) + 1)}${body.slice(at + 1)}`;
    expect(tampered).toHaveLength(body.length);
    expect(JSON.parse(tampered)).not.toEqual(JSON.parse(body));
    return tampered;
  }

  type Forgery = (signed: { id: string; body: string }, other: { id: string; body: string }) => { body: string; signature: string | undefined };
  const forgeries: Array<[string, Forgery]> = [
    ['unsigned (no Stripe-Signature header)', (a) => ({ body: a.body, signature: undefined })],
    ['carrying a garbage Stripe-Signature header', (a) => ({ body: a.body, signature: 'garbage-not-a-signature' })],
    ['tampered (one byte changed after signing)', (a) => ({ body: oneByteChanged(a.body), signature: sign(a.body) })],
    ['stale (correctly signed 301 s ago)', (a) => ({ body: a.body, signature: sign(a.body, { timestamp: nowSeconds() - 301 }) })],
    // 330 s, not 301: a slow request's travel time must not bring the timestamp back within the tolerance.
    ['from the future (correctly signed 330 s ahead)', (a) => ({ body: a.body, signature: sign(a.body, { timestamp: nowSeconds() + 330 }) })],
    ['body-swapped (the signature of one event sent with another)', (a, b) => ({ body: b.body, signature: sign(a.body) })],
    ['signed with a wrong secret', (a) => ({ body: a.body, signature: sign(a.body, { secret: `whsec_${randomBytes(24).toString('base64url')}` }) })],
    // The SDK's parser threw a plain Error on an empty signature, which answered 500 without any secret.
    ['carrying Stripe-Signature: t=1,v1=', (a) => ({ body: a.body, signature: 't=1,v1=' })],
    ['carrying Stripe-Signature: t=,v1=<a real signature>', (a) => ({ body: a.body, signature: sign(a.body).replace(/^t=\d+/, 't=') })],
    ['carrying a real signature with an empty v1 beside it', (a) => ({ body: a.body, signature: `${sign(a.body)},v1=` })],
    ['carrying a real signature with a second timestamp', (a) => ({ body: a.body, signature: `${sign(a.body)},t=${nowSeconds()}` })],
  ];

  it.each(forgeries)('refuses a request %s with 4xx problem+json and changes nothing', async (_name, forge) => {
    const { orderId, intent } = await awaitingOrder();
    const before = await orderItem(orderId);
    expect(before).toMatchObject({ status: 'AWAITING_PAYMENT', paymentIntentId: intent.id });
    const signed = eventBody(intent);
    const other = eventBody(intent);
    const { body, signature } = forge(signed, other);

    const response = await post(body, signature);

    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json\b/);
    expect(await response.json()).toMatchObject({ status: response.status });
    expect(await ledgerItem(signed.id)).toBeUndefined();
    expect(await ledgerItem(other.id)).toBeUndefined();
    await drained(intent);
    expect(await orderItem(orderId)).toEqual(before);
  });

  it('accepts the same event correctly signed: recorded once and applied to its order (so the checks above can fail)', async () => {
    const { orderId, intent } = await awaitingOrder();
    const before = await orderItem(orderId);
    expect(before?.paymentOutcome).toBeUndefined();
    const event = eventBody(intent);

    const response = await post(event.body, sign(event.body));

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true, duplicate: false });
    expect(await ledgerItem(event.id)).toMatchObject({ entity: 'provider-event', type: 'payment_intent.succeeded', objectId: intent.id });
    await until('the event to be applied', async () => ((await ledgerItem(event.id))?.processedAt ? true : undefined));
    const after = await orderItem(orderId);
    expect(after).not.toEqual(before);
    expect(after?.paymentOutcome).toMatchObject({ kind: 'succeeded', paymentIntentId: intent.id, amount: intent.amount });
  });

  describe('a correctly signed body that is not a well-formed event', () => {
    const logFile = () => {
      const directory = path.join(path.dirname(process.env.STOCKADE_ENDPOINTS as string), 'logs');
      const file = readdirSync(directory).find((f) => f.startsWith('ReceiveStripeWebhook'));
      if (!file) throw new Error(`No ReceiveStripeWebhook log in ${directory}`);
      return path.join(directory, file);
    };
    const count = (pattern: RegExp) => (readFileSync(logFile(), 'utf8').match(pattern) ?? []).length;
    const marker = () => `evt_malformed${randomBytes(8).toString('hex')}`;
    const envelope = (id: string) => ({
      id,
      object: 'event',
      created: nowSeconds(),
      type: 'payment_intent.succeeded',
      data: { object: { id: 'pi_x', object: 'payment_intent', status: 'succeeded', amount: 100, currency: 'eur' } },
    });
    const cases: Array<[string, (id: string) => string]> = [
      ['not JSON', (id) => `{"id":"${id}", not json`],
      ['a JSON array', (id) => JSON.stringify([1, 2, 3, id])],
      ['JSON null', () => 'null'],
      ['an event without data', (id) => JSON.stringify({ ...envelope(id), data: undefined })],
      ['an event whose data.object is null', (id) => JSON.stringify({ ...envelope(id), data: { object: null } })],
      ['an event without id', (id) => JSON.stringify({ ...envelope(id), id: undefined, note: id })],
      ['an event whose id is an object', (id) => JSON.stringify({ ...envelope(id), id: { id } })],
      ['an event without type', (id) => JSON.stringify({ ...envelope(id), type: undefined })],
      [
        'a PaymentIntent event whose amount is a string',
        (id) => JSON.stringify({ ...envelope(id), data: { object: { ...envelope(id).data.object, amount: '100' } } }),
      ],
    ];

    it.each(cases)('%s: 400 problem+json, nothing recorded or queued, a WARN without the body', async (_name, make) => {
      const id = marker();
      const body = make(id);
      const warnings = count(/"level":"WARN"[^\n]*Webhook event malformed|Webhook event malformed[^\n]*"level":"WARN"/g);
      const errors = count(/"level":"ERROR"/g);
      const response = await post(body, sign(body));
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json\b/);
      const problem = (await response.json()) as Json;
      expect(problem).toMatchObject({ status: 400 });
      expect(JSON.stringify(problem)).not.toContain(id);
      expect(await ledgerItem(id)).toBeUndefined();
      // The function's log shows the refusal as a WARN, with no ERROR and no piece of the body.
      await until('the refusal to be logged', async () =>
        count(/"level":"WARN"[^\n]*Webhook event malformed|Webhook event malformed[^\n]*"level":"WARN"/g) > warnings ? true : undefined,
      );
      expect(count(/"level":"ERROR"/g)).toBe(errors);
      expect(readFileSync(logFile(), 'utf8')).not.toContain(id);
    });

    it('an empty-signature flood is counted as WebhookSignatureFailures (its own metric), never as a 5xx', async () => {
      const before = count(/"WebhookSignatureFailures"/g);
      const body = JSON.stringify(envelope(marker()));
      const answers = await Promise.all(Array.from({ length: 5 }, () => post(body, 't=1,v1=').then((r) => r.status)));
      expect(answers).toEqual([400, 400, 400, 400, 400]);
      await until('five signature failures to be counted', async () => (count(/"WebhookSignatureFailures"/g) >= before + 5 ? true : undefined));
    });
  });
});
