import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import Stripe from 'stripe';
import { StripeStandIn } from '../../local/partners/stripe/stripe-stand-in';
import { type StripeControlConfig, clearStripeFaults, injectStripeFault, redeliverStripeEvent, stripeRequests } from '../support/stripe-control';

/**
 * The Stripe stand-in driven by the official SDK, unchanged, as the payment adapter and a storefront would drive
 * Stripe; webhooks go to a receiver that verifies them with the SDK's own constructEvent. Started here on its own,
 * apart from the shared local runtime.
 */

const API_KEY = `sk_test_standin_${randomBytes(12).toString('hex')}`;
/** Two secrets, as during a rotation: every delivery must verify with either. */
const SECRETS = [`whsec_new_${randomBytes(16).toString('hex')}`, `whsec_old_${randomBytes(16).toString('hex')}`] as const;
const execFileAsync = promisify(execFile);
const FAST_RETRY = { initialDelayMs: 20, maxDelayMs: 80, timeoutMs: 2000 };

interface Received {
  readonly eventId: string;
  readonly type: string;
  readonly paymentIntentId: string;
  readonly signature: string;
  /** constructEvent accepted the delivery with SECRETS[0] and with SECRETS[1]. */
  readonly verified: readonly [boolean, boolean];
  readonly status: number;
}

/**
 * A webhook endpoint on loopback that verifies each delivery as the real handler must (raw body, Stripe-Signature)
 * and answers 500 to the first two deliveries of each event of a PaymentIntent whose metadata says `flaky`, and
 * always to `down`.
 */
class Receiver {
  readonly received: Received[] = [];
  private readonly attempts = new Map<string, number>();
  private readonly server: Server;

  constructor(private readonly sdk: Stripe) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const signature = String(req.headers['stripe-signature'] ?? '');
        const verified = SECRETS.map((secret) => {
          try {
            this.sdk.webhooks.constructEvent(raw, signature, secret);
            return true;
          } catch {
            return false;
          }
        }) as [boolean, boolean];
        const event = JSON.parse(raw) as Stripe.Event;
        const object = event.data.object as { id: string; object: string; payment_intent?: string; metadata?: Record<string, string> };
        const attempt = (this.attempts.get(event.id) ?? 0) + 1;
        this.attempts.set(event.id, attempt);
        const scenario = object.metadata?.scenario;
        const status = !verified[0] ? 400 : scenario === 'down' || (scenario === 'flaky' && attempt <= 2) ? 500 : 200;
        const paymentIntentId = object.object === 'payment_intent' ? object.id : (object.payment_intent ?? '');
        this.received.push({ eventId: event.id, type: event.type, paymentIntentId, signature, verified, status });
        res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ received: status === 200 }));
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhooks/stripe`;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Types of the deliveries the receiver accepted for one PaymentIntent, in arrival order. */
  acceptedTypes(paymentIntentId: string): string[] {
    return this.received.filter((r) => r.paymentIntentId === paymentIntentId && r.status === 200).map((r) => r.type);
  }
}

function sdk(standIn: StripeStandIn, options: { apiKey?: string; maxNetworkRetries?: number; timeout?: number } = {}): Stripe {
  return new Stripe(options.apiKey ?? API_KEY, {
    ...standIn.clientConfig(),
    maxNetworkRetries: options.maxNetworkRetries ?? 0,
    ...(options.timeout ? { timeout: options.timeout } : {}),
  });
}

/** The idempotency keys the SDK sent, one per attempt (the SDK emits `request` for retries too, `response` only for the last). */
function recordIdempotencyKeys(client: Stripe): string[] {
  const keys: string[] = [];
  client.on('request', (e: { idempotency_key?: string }) => keys.push(e.idempotency_key ?? ''));
  return keys;
}

const ids = (list: { data: ReadonlyArray<{ id: string }> }): string[] => list.data.map((item) => item.id);

async function rejection(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await promise;
  } catch (error) {
    return error as Stripe.errors.StripeError;
  }
  throw new Error('expected the call to fail');
}

describe('Stripe stand-in', () => {
  const standIn = new StripeStandIn({ apiKey: API_KEY, webhookSecrets: [...SECRETS], webhookRetry: FAST_RETRY });
  let stripe: Stripe;
  let receiver: Receiver;

  beforeAll(async () => {
    await standIn.start();
    stripe = sdk(standIn);
    receiver = new Receiver(stripe);
    await receiver.start();
    // As the runtime does: the webhook URL is known only once the API listens, after the stand-in started.
    standIn.configure({ webhookUrl: receiver.url });
  });

  afterAll(async () => {
    await standIn.stop();
    await receiver.stop();
  });

  const scenarioCount = (scenario: string) => standIn.paymentIntents().filter((pi) => pi.metadata.scenario === scenario).length;

  describe('PaymentIntents', () => {
    it('creates, retrieves and confirms with pm_card_visa: succeeded, with a charge for the whole amount', async () => {
      const before = Math.floor(Date.now() / 1000);
      const created = await stripe.paymentIntents.create({ amount: 2599, currency: 'eur', metadata: { orderId: 'order-1' }, description: 'Order order-1' });
      expect(created).toMatchObject({
        object: 'payment_intent',
        amount: 2599,
        currency: 'eur',
        metadata: { orderId: 'order-1' },
        description: 'Order order-1',
        status: 'requires_payment_method',
        livemode: false,
        latest_charge: null,
        last_payment_error: null,
        canceled_at: null,
        cancellation_reason: null,
        payment_method_types: ['card'],
        automatic_payment_methods: { enabled: true, allow_redirects: 'always' },
      });
      expect(created.id).toMatch(/^pi_[A-Za-z0-9]{24}$/);
      expect(created.client_secret?.startsWith(`${created.id}_secret_`)).toBe(true);
      expect(created.created).toBeGreaterThanOrEqual(before);
      expect(created.lastResponse.requestId).toMatch(/^req_/);

      const retrieved = await stripe.paymentIntents.retrieve(created.id);
      expect({ ...retrieved, lastResponse: undefined }).toEqual({ ...created, lastResponse: undefined });

      const confirmed = await stripe.paymentIntents.confirm(created.id, { payment_method: 'pm_card_visa' });
      expect(confirmed).toMatchObject({ id: created.id, status: 'succeeded', amount_received: 2599, last_payment_error: null });
      expect(confirmed.latest_charge).toMatch(/^ch_/);
      expect(confirmed.payment_method).toMatch(/^pm_/);
      const charge = await stripe.charges.retrieve(confirmed.latest_charge as string);
      expect(charge).toMatchObject({ status: 'succeeded', paid: true, captured: true, amount: 2599, amount_captured: 2599, payment_intent: created.id });
      const expanded = await stripe.paymentIntents.retrieve(created.id, { expand: ['latest_charge', 'payment_method'] });
      expect(expanded.latest_charge).toMatchObject({ id: charge.id, object: 'charge' });
      expect(expanded.payment_method).toMatchObject({ object: 'payment_method', card: { brand: 'visa', last4: '4242' } });
    });

    it('declines pm_card_chargeDeclined with a card error and leaves the PaymentIntent awaiting another payment method', async () => {
      const error = await rejection(
        stripe.paymentIntents.create({
          amount: 1500,
          currency: 'eur',
          metadata: { orderId: 'order-2' },
          confirm: true,
          payment_method: 'pm_card_chargeDeclined',
        }),
      );
      expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
      expect(error).toMatchObject({
        statusCode: 402,
        type: 'StripeCardError',
        code: 'card_declined',
        decline_code: 'generic_decline',
        message: 'Your card was declined.',
      });
      const declinedId = (error.payment_intent as Stripe.PaymentIntent).id;
      expect(error.payment_intent).toMatchObject({ status: 'requires_payment_method' });

      const declined = await stripe.paymentIntents.retrieve(declinedId);
      expect(declined).toMatchObject({ status: 'requires_payment_method', payment_method: null, amount_received: 0 });
      expect(declined.last_payment_error).toMatchObject({ type: 'card_error', code: 'card_declined', decline_code: 'generic_decline', charge: error.charge });
      expect(declined.latest_charge).toBe(error.charge);
      expect(await stripe.charges.retrieve(error.charge as string)).toMatchObject({ status: 'failed', paid: false, failure_code: 'card_declined' });

      // The customer tries another card: the same PaymentIntent succeeds and the old error is cleared.
      const retried = await stripe.paymentIntents.confirm(declinedId, { payment_method: 'pm_card_visa' });
      expect(retried).toMatchObject({ status: 'succeeded', amount_received: 1500, last_payment_error: null });
    });

    it('cancels an open PaymentIntent, and refuses to cancel a canceled or succeeded one', async () => {
      const open = await stripe.paymentIntents.create({ amount: 700, currency: 'eur' });
      const canceled = await stripe.paymentIntents.cancel(open.id, { cancellation_reason: 'abandoned' });
      expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
      expect(canceled.canceled_at).toEqual(expect.any(Number));
      const again = await rejection(stripe.paymentIntents.cancel(open.id));
      expect(again).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(again).toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });
      await expect(stripe.paymentIntents.confirm(open.id, { payment_method: 'pm_card_visa' })).rejects.toMatchObject({
        code: 'payment_intent_unexpected_state',
      });

      const paid = await stripe.paymentIntents.create({ amount: 700, currency: 'eur', confirm: true, payment_method: 'pm_card_visa' });
      expect(paid.status).toBe('succeeded');
      const refused = await rejection(stripe.paymentIntents.cancel(paid.id));
      expect(refused).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(refused).toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });
      expect(refused.message).toContain('status of succeeded');
      expect((await stripe.paymentIntents.retrieve(paid.id)).status).toBe('succeeded');
    });

    it('authorises with manual capture, then captures part, or releases the authorisation on cancel', async () => {
      const held = await stripe.paymentIntents.create({
        amount: 5000,
        currency: 'eur',
        capture_method: 'manual',
        confirm: true,
        payment_method: 'pm_card_mastercard',
      });
      expect(held).toMatchObject({ status: 'requires_capture', amount_capturable: 5000, amount_received: 0 });
      const captured = await stripe.paymentIntents.capture(held.id, { amount_to_capture: 4000 });
      expect(captured).toMatchObject({ status: 'succeeded', amount_received: 4000, amount_capturable: 0 });

      const released = await stripe.paymentIntents.create({
        amount: 5000,
        currency: 'eur',
        capture_method: 'manual',
        confirm: true,
        payment_method: 'pm_card_visa',
      });
      expect((await stripe.paymentIntents.cancel(released.id)).status).toBe('canceled');
      expect(await stripe.charges.retrieve(released.latest_charge as string)).toMatchObject({ refunded: true, amount_refunded: 5000, captured: false });

      const challenged = await stripe.paymentIntents.create({ amount: 900, currency: 'eur', confirm: true, payment_method: 'pm_card_authenticationRequired' });
      expect(challenged).toMatchObject({ status: 'requires_action', next_action: { type: 'use_stripe_sdk' } });
      expect((await stripe.paymentIntents.cancel(challenged.id)).status).toBe('canceled');
    });

    it('updates metadata and amount while open, merges metadata as Stripe does, and refuses an amount change once paid', async () => {
      const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'EUR', metadata: { orderId: 'order-3', note: 'x' } });
      expect(pi.currency).toBe('eur');
      const updated = await stripe.paymentIntents.update(pi.id, { amount: 1200, metadata: { note: '', attempt: '2' } });
      expect(updated).toMatchObject({ amount: 1200, metadata: { orderId: 'order-3', attempt: '2' } });
      expect(updated.metadata).not.toHaveProperty('note');
      await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' });
      await expect(stripe.paymentIntents.update(pi.id, { amount: 1300 })).rejects.toMatchObject({
        statusCode: 400,
        code: 'payment_intent_unexpected_state',
        param: undefined,
      });
      expect((await stripe.paymentIntents.update(pi.id, { metadata: { shipped: 'no' } })).metadata).toEqual({
        orderId: 'order-3',
        attempt: '2',
        shipped: 'no',
      });
    });

    it('refunds part of a payment, then the rest, and refuses more', async () => {
      const paid = await stripe.paymentIntents.create({ amount: 2599, currency: 'eur', confirm: true, payment_method: 'pm_card_visa' });
      const first = await stripe.refunds.create({ payment_intent: paid.id, amount: 1000, reason: 'requested_by_customer' });
      expect(first).toMatchObject({ object: 'refund', status: 'succeeded', amount: 1000, payment_intent: paid.id, charge: paid.latest_charge });
      await expect(stripe.refunds.create({ payment_intent: paid.id, amount: 2000 })).rejects.toMatchObject({ statusCode: 400, param: 'amount' });
      const rest = await stripe.refunds.create({ payment_intent: paid.id });
      expect(rest.amount).toBe(1599);
      expect(await stripe.charges.retrieve(paid.latest_charge as string)).toMatchObject({ refunded: true, amount_refunded: 2599 });
      await expect(stripe.refunds.create({ payment_intent: paid.id })).rejects.toMatchObject({ code: 'charge_already_refunded' });
      expect(await stripe.refunds.retrieve(first.id)).toMatchObject({ id: first.id, amount: 1000 });
    });

    it('lists newest first with limit, starting_after and ending_before', async () => {
      const [a, b, c] = [
        await stripe.paymentIntents.create({ amount: 101, currency: 'eur' }),
        await stripe.paymentIntents.create({ amount: 102, currency: 'eur' }),
        await stripe.paymentIntents.create({ amount: 103, currency: 'eur' }),
      ];
      const first = await stripe.paymentIntents.list({ limit: 2 });
      expect(first.data.map((pi) => pi.id)).toEqual([c.id, b.id]);
      expect(first.has_more).toBe(true);
      expect((await stripe.paymentIntents.list({ limit: 1, starting_after: b.id })).data.map((pi) => pi.id)).toEqual([a.id]);
      expect((await stripe.paymentIntents.list({ limit: 5, ending_before: b.id })).data.map((pi) => pi.id)).toEqual([c.id]);
      const all = await stripe.paymentIntents.list({ limit: 3 }).autoPagingToArray({ limit: 1000 });
      expect(all).toHaveLength(standIn.paymentIntents().length);
      expect(new Set(all.map((pi) => pi.id)).size).toBe(all.length);
    });
  });

  describe('requests', () => {
    it('refuses a wrong or missing API key with 401 in Stripe’s error shape', async () => {
      const wrong = await rejection(sdk(standIn, { apiKey: 'sk_test_not_the_configured_key_0000' }).paymentIntents.create({ amount: 100, currency: 'eur' }));
      expect(wrong).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
      expect(wrong).toMatchObject({ statusCode: 401, rawType: 'invalid_request_error' });
      expect(wrong.message).toMatch(/^Invalid API Key provided: sk_test_\*+0000$/);

      const anonymous = await fetch(`${standIn.endpoint}/v1/payment_intents`, {
        method: 'POST',
        body: 'amount=100&currency=eur',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
      expect(anonymous.status).toBe(401);
      expect(((await anonymous.json()) as { error: { type: string; message: string } }).error).toMatchObject({
        type: 'invalid_request_error',
        message: expect.stringContaining('You did not provide an API key'),
      });
      expect(standIn.paymentIntents().some((pi) => pi.amount === 100)).toBe(false);
    });

    it('validates parameters with Stripe’s codes: missing, not an integer, out of range, unknown, no such object', async () => {
      const missing = await rejection(stripe.paymentIntents.create({ currency: 'eur' } as Stripe.PaymentIntentCreateParams));
      expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(missing).toMatchObject({ statusCode: 400, code: 'parameter_missing', param: 'amount' });
      await expect(stripe.paymentIntents.create({ amount: 0, currency: 'eur' })).rejects.toMatchObject({ code: 'parameter_invalid_integer', param: 'amount' });
      await expect(stripe.paymentIntents.create({ amount: 12.5, currency: 'eur' })).rejects.toMatchObject({
        code: 'parameter_invalid_integer',
        param: 'amount',
      });
      await expect(stripe.paymentIntents.create({ amount: 100, currency: 'euro' })).rejects.toMatchObject({ statusCode: 400, param: 'currency' });
      await expect(stripe.paymentIntents.create({ amount: 100, currency: 'eur', customerr: 'x' } as Stripe.PaymentIntentCreateParams)).rejects.toMatchObject({
        code: 'parameter_unknown',
        param: 'customerr',
      });
      await expect(stripe.paymentIntents.create({ amount: 100, currency: 'eur', payment_method: 'pm_card_nonsense' })).rejects.toMatchObject({
        statusCode: 400,
        code: 'resource_missing',
        param: 'payment_method',
      });
      const absent = await rejection(stripe.paymentIntents.retrieve('pi_doesnotexist'));
      expect(absent).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(absent).toMatchObject({ statusCode: 404, code: 'resource_missing', message: "No such payment_intent: 'pi_doesnotexist'" });
      // Customers are played now (erasure deletes them); products are not.
      await expect(stripe.products.create({ name: 'not played' })).rejects.toMatchObject({
        statusCode: 404,
        message: expect.stringContaining('Unrecognized request URL (POST: /v1/products)'),
      });
    });

    it('parses form bodies in bracket notation: nested hashes, [] and [0] arrays, escapes', async () => {
      const post = async (body: string) => {
        const res = await fetch(`${standIn.endpoint}/v1/payment_intents`, {
          method: 'POST',
          body,
          headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/x-www-form-urlencoded' },
        });
        return { status: res.status, json: (await res.json()) as Record<string, unknown> };
      };
      const brackets = await post('amount=500&currency=eur&metadata[orderId]=o-1&metadata[note]=a%20b%26c%3D%5Bd%5D&payment_method_types[]=card');
      expect(brackets.status).toBe(200);
      expect(brackets.json).toMatchObject({ metadata: { orderId: 'o-1', note: 'a b&c=[d]' }, payment_method_types: ['card'], automatic_payment_methods: null });
      const encoded = await post('amount=500&currency=eur&payment_method_types%5B0%5D=card&metadata%5Bx%5D=1');
      expect(encoded.json).toMatchObject({ payment_method_types: ['card'], metadata: { x: '1' } });
      const nested = await post('amount=500&currency=eur&automatic_payment_methods[enabled]=true&automatic_payment_methods[allow_redirects]=never');
      expect(nested.json).toMatchObject({ automatic_payment_methods: { enabled: true, allow_redirects: 'never' } });
      const twoElements = await post('amount=500&currency=eur&confirm=true&payment_method=pm_card_visa&expand[]=latest_charge&expand[]=payment_method');
      expect(twoElements.json).toMatchObject({ status: 'succeeded', latest_charge: { object: 'charge' }, payment_method: { object: 'payment_method' } });
      expect((await post('amount=500&currency=eur&metadata[a]=1&metadata=x')).status).toBe(400);
      expect((await post('amount=500&currency=eur&payment_method_types[1]=card')).status).toBe(400);
      expect((await post('amount=500&currency=eur&metadata[a]b=1')).json).toMatchObject({ error: { type: 'invalid_request_error', param: 'metadata[a]b' } });
    });
  });

  describe('idempotency', () => {
    it('replays the first response for the same key and parameters, and refuses the key with other parameters', async () => {
      const idempotencyKey = randomUUID();
      const params = { amount: 2599, currency: 'eur', metadata: { scenario: 'idempotent-create' } };
      const first = await stripe.paymentIntents.create(params, { idempotencyKey });
      const second = await stripe.paymentIntents.create(params, { idempotencyKey });
      expect(second.id).toBe(first.id);
      expect({ ...second, lastResponse: undefined }).toEqual({ ...first, lastResponse: undefined });
      expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
      expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
      expect(second.lastResponse.headers['original-request']).toBe(first.lastResponse.requestId);

      const other = await rejection(stripe.paymentIntents.create({ ...params, amount: 2600 }, { idempotencyKey }));
      expect(other).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
      expect(other).toMatchObject({ statusCode: 400, rawType: 'idempotency_error' });
      await expect(stripe.refunds.create({ payment_intent: first.id }, { idempotencyKey })).rejects.toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
      expect(scenarioCount('idempotent-create')).toBe(1);
    });

    it('replays a card decline instead of charging again, and saves nothing for a request that failed validation', async () => {
      const idempotencyKey = randomUUID();
      const params = { amount: 990, currency: 'eur', confirm: true, payment_method: 'pm_card_chargeDeclined', metadata: { scenario: 'idempotent-decline' } };
      const first = await rejection(stripe.paymentIntents.create(params, { idempotencyKey }));
      const replay = await rejection(stripe.paymentIntents.create(params, { idempotencyKey }));
      expect(replay).toBeInstanceOf(Stripe.errors.StripeCardError);
      expect(replay.charge).toBe(first.charge);
      expect(replay.headers?.['idempotent-replayed']).toBe('true');
      expect(scenarioCount('idempotent-decline')).toBe(1);

      const fixKey = randomUUID();
      await expect(stripe.paymentIntents.create({ amount: -1, currency: 'eur' }, { idempotencyKey: fixKey })).rejects.toMatchObject({
        code: 'parameter_invalid_integer',
      });
      expect((await stripe.paymentIntents.create({ amount: 1, currency: 'eur' }, { idempotencyKey: fixKey })).amount).toBe(1);
    });

    it('keeps keys per API key for 24 hours', async () => {
      let now = Date.now();
      const clocked = new StripeStandIn({ apiKey: API_KEY, webhookSecrets: [...SECRETS], now: () => now });
      await clocked.start();
      try {
        const client = sdk(clocked);
        const idempotencyKey = randomUUID();
        const first = await client.paymentIntents.create({ amount: 100, currency: 'eur' }, { idempotencyKey });
        now += 24 * 60 * 60 * 1000 - 1000;
        expect((await client.paymentIntents.create({ amount: 100, currency: 'eur' }, { idempotencyKey })).id).toBe(first.id);
        await expect(client.paymentIntents.create({ amount: 200, currency: 'eur' }, { idempotencyKey })).rejects.toBeInstanceOf(
          Stripe.errors.StripeIdempotencyError,
        );
        now += 2000;
        const later = await client.paymentIntents.create({ amount: 200, currency: 'eur' }, { idempotencyKey });
        expect(later.id).not.toBe(first.id);

        // Another API key has its own keys.
        const otherKey = `sk_test_other_${randomBytes(8).toString('hex')}`;
        clocked.configure({ apiKey: otherKey });
        expect((await sdk(clocked, { apiKey: otherKey }).paymentIntents.create({ amount: 300, currency: 'eur' }, { idempotencyKey })).amount).toBe(300);
      } finally {
        await clocked.stop();
      }
    });

    it('answers 409 to a concurrent request with a key still in use; the SDK retries it and both calls get one PaymentIntent', async () => {
      const client = sdk(standIn, { maxNetworkRetries: 2 });
      standIn.injectFault({ method: 'POST', path: '/v1/payment_intents', fault: { kind: 'delay', ms: 300 } });
      const idempotencyKey = randomUUID();
      const params = { amount: 4200, currency: 'eur', metadata: { scenario: 'concurrent' } };
      const [one, two] = await Promise.all([
        client.paymentIntents.create(params, { idempotencyKey }),
        client.paymentIntents.create(params, { idempotencyKey }),
      ]);
      expect(two.id).toBe(one.id);
      const answers = standIn.requests().filter((r) => r.idempotencyKey === idempotencyKey);
      expect(answers.map((r) => [r.status, r.replayed])).toEqual([
        [409, false],
        [200, false],
        [200, true],
      ]);
      expect(scenarioCount('concurrent')).toBe(1);
    });
  });

  describe('webhooks', () => {
    it('delivers payment_intent.created then payment_intent.succeeded, signed so constructEvent accepts them with either secret', async () => {
      const created = await stripe.paymentIntents.create(
        { amount: 2599, currency: 'eur', metadata: { orderId: 'order-webhook' } },
        { idempotencyKey: randomUUID() },
      );
      await stripe.paymentIntents.confirm(created.id, { payment_method: 'pm_card_visa' });
      await standIn.webhooksSettled();

      expect(receiver.acceptedTypes(created.id).filter((t) => t.startsWith('payment_intent.'))).toEqual(['payment_intent.created', 'payment_intent.succeeded']);
      expect(receiver.acceptedTypes(created.id)).toEqual(['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded']);
      const deliveries = receiver.received.filter((r) => r.paymentIntentId === created.id);
      for (const delivery of deliveries) {
        expect(delivery.verified).toEqual([true, true]);
        expect(delivery.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
      }

      const events = await stripe.events.list({ type: 'payment_intent.*', limit: 2 });
      expect(events.data.map((e) => e.type)).toEqual(['payment_intent.succeeded', 'payment_intent.created']);
      const succeeded = events.data[0] as Stripe.Event;
      expect(succeeded).toMatchObject({
        object: 'event',
        livemode: false,
        pending_webhooks: 0,
        api_version: Stripe.API_VERSION,
        data: { object: { id: created.id, status: 'succeeded' } },
      });
      expect(succeeded.id).toMatch(/^evt_/);
      expect(events.data[1]?.request).toEqual({ id: created.lastResponse.requestId, idempotency_key: created.lastResponse.idempotencyKey });
      // The event holds the PaymentIntent as it was then, not as it is now.
      expect(((await stripe.events.retrieve(events.data[1]?.id as string)).data.object as Stripe.PaymentIntent).status).toBe('requires_payment_method');
    });

    it('retries a receiver answering 500: delivered on the third attempt, later events of the PaymentIntent wait their turn', async () => {
      const pi = await stripe.paymentIntents.create({
        amount: 1800,
        currency: 'eur',
        metadata: { scenario: 'flaky' },
        confirm: true,
        payment_method: 'pm_card_visa',
      });
      await standIn.webhooksSettled();
      const createdEvent = standIn.events().find((e) => e.type === 'payment_intent.created' && (e.data.object as { id: string }).id === pi.id);
      const attempts = standIn.deliveries().filter((d) => d.eventId === createdEvent?.id);
      expect(attempts.map((a) => [a.attempt, a.status, a.outcome])).toEqual([
        [1, 500, 'retrying'],
        [2, 500, 'retrying'],
        [3, 200, 'delivered'],
      ]);
      expect((attempts[1]?.at ?? 0) - (attempts[0]?.at ?? 0)).toBeGreaterThanOrEqual(FAST_RETRY.initialDelayMs);
      expect(receiver.acceptedTypes(pi.id)).toEqual(['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded']);
      expect((await stripe.events.retrieve(createdEvent?.id as string)).pending_webhooks).toBe(0);
    });

    it('gives up after the last attempt and leaves the event pending', async () => {
      const pi = await stripe.paymentIntents.create({ amount: 1900, currency: 'eur', metadata: { scenario: 'down' } });
      await standIn.webhooksSettled();
      const event = standIn.events().find((e) => (e.data.object as { id: string }).id === pi.id) as { id: string };
      const attempts = standIn.deliveries().filter((d) => d.eventId === event.id);
      expect(attempts.map((a) => a.outcome)).toEqual(['retrying', 'retrying', 'retrying', 'retrying', 'failed']);
      expect(attempts.every((a) => a.status === 500 && a.responseBody === '{"received":false}')).toBe(true);
      expect((await stripe.events.retrieve(event.id)).pending_webhooks).toBe(1);
    });
  });

  describe('failure injection', () => {
    it('a create answering 500 once is retried by the SDK with the same idempotency key, leaving one PaymentIntent', async () => {
      const client = sdk(standIn, { maxNetworkRetries: 2 });
      const sent = recordIdempotencyKeys(client);
      const fault = standIn.injectFault({ method: 'POST', path: '/v1/payment_intents', fault: { kind: 'error', status: 500 } });
      const pi = await client.paymentIntents.create({ amount: 3100, currency: 'eur', metadata: { scenario: 'retry-500' } });
      expect(fault.remaining).toBe(0);
      expect(sent).toHaveLength(2);
      expect(sent[0]).toMatch(/^stripe-node-retry-/);
      expect(sent[1]).toBe(sent[0]);
      // The 500 came before anything happened, so the retry really created the PaymentIntent (no replay).
      expect(
        standIn
          .requests()
          .filter((r) => r.idempotencyKey === sent[0])
          .map((r) => [r.status, r.replayed]),
      ).toEqual([
        [500, false],
        [200, false],
      ]);
      expect(scenarioCount('retry-500')).toBe(1);
      expect((await stripe.paymentIntents.list({ limit: 100 })).data.filter((p) => p.metadata.scenario === 'retry-500').map((p) => p.id)).toEqual([pi.id]);
    });

    it.each([
      ['a 500 after the confirm took effect', { kind: 'error', status: 500, when: 'after' }, {}],
      ['a connection reset after the confirm took effect', { kind: 'reset', when: 'after' }, {}],
      ['a confirm that hangs past the SDK timeout', { kind: 'hang', when: 'after' }, { timeout: 300 }],
    ] as const)('%s: the SDK retry gets the saved response and the card is charged once', async (_name, fault, options) => {
      const pi = await stripe.paymentIntents.create({ amount: 2200, currency: 'eur' });
      const client = sdk(standIn, { maxNetworkRetries: 2, ...options });
      standIn.injectFault({ method: 'POST', path: `/v1/payment_intents/${pi.id}/confirm`, fault });
      const confirmed = await client.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' });
      expect(confirmed.status).toBe('succeeded');
      expect(confirmed.lastResponse.headers['idempotent-replayed']).toBe('true');
      const charges = standIn.events().filter((e) => e.type === 'charge.succeeded' && (e.data.object as { payment_intent: string }).payment_intent === pi.id);
      expect(charges).toHaveLength(1);
    });

    it('a 429 is not retried by the SDK unless Stripe-Should-Retry says so, and creates nothing', async () => {
      standIn.injectFault({ path: '/v1/payment_intents', fault: { kind: 'error', status: 429 } });
      const limited = await rejection(
        sdk(standIn, { maxNetworkRetries: 2 }).paymentIntents.create({ amount: 100, currency: 'eur', metadata: { scenario: 'rate-limited' } }),
      );
      expect(limited).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
      expect(limited).toMatchObject({ statusCode: 429, code: 'rate_limit' });
      expect(scenarioCount('rate-limited')).toBe(0);
    });
  });

  describe('lists for reconciliation', () => {
    // A stand-in of its own with a clock the test sets, so `created` is known to the second; no webhook endpoint.
    const start = Date.UTC(2025, 0, 6, 9, 0, 0);
    const T = start / 1000;
    let now = start;
    const at = (second: number) => {
      now = (T + second) * 1000;
    };
    const clocked = new StripeStandIn({ apiKey: API_KEY, webhookSecrets: [...SECRETS], now: () => now });
    let client: Stripe;
    let a: Stripe.PaymentIntent;
    let b: Stripe.PaymentIntent;
    /** r0 (a, T+10), r1 (b, T+11), r2 (a, T+12), r3 (a, T+13). */
    let r: Stripe.Refund[];

    beforeAll(async () => {
      await clocked.start();
      client = sdk(clocked);
      at(0);
      a = await client.paymentIntents.create({ amount: 10_000, currency: 'eur', confirm: true, payment_method: 'pm_card_visa' });
      b = await client.paymentIntents.create({ amount: 10_000, currency: 'eur', confirm: true, payment_method: 'pm_card_visa' });
      r = [];
      for (const [second, pi] of [
        [10, a],
        [11, b],
        [12, a],
        [13, a],
      ] as const) {
        at(second);
        r.push(await client.refunds.create({ payment_intent: pi.id, amount: 100 }));
      }
    });

    afterAll(() => clocked.stop());

    const refundIds = (...indexes: number[]) => indexes.map((i) => r[i]?.id);

    it('lists refunds newest first with limit, starting_after and ending_before, and refuses bad cursors and limits', async () => {
      const all = await client.refunds.list();
      expect(ids(all)).toEqual(refundIds(3, 2, 1, 0));
      expect(all).toMatchObject({ object: 'list', has_more: false, url: '/v1/refunds' });
      const first = await client.refunds.list({ limit: 2 });
      expect([ids(first), first.has_more]).toEqual([refundIds(3, 2), true]);
      const second = await client.refunds.list({ limit: 2, starting_after: r[2]?.id });
      expect([ids(second), second.has_more]).toEqual([refundIds(1, 0), false]);
      const before = await client.refunds.list({ limit: 1, ending_before: r[1]?.id });
      expect([ids(before), before.has_more]).toEqual([refundIds(2), true]);

      await expect(client.refunds.list({ limit: 0 })).rejects.toMatchObject({ statusCode: 400, code: 'parameter_invalid_integer', param: 'limit' });
      await expect(client.refunds.list({ limit: 101 })).rejects.toMatchObject({ statusCode: 400, code: 'parameter_invalid_integer', param: 'limit' });
      await expect(client.refunds.list({ starting_after: 're_missing' })).rejects.toMatchObject({
        statusCode: 400,
        code: 'resource_missing',
        param: 'starting_after',
      });
      await expect(client.refunds.list({ starting_after: r[0]?.id, ending_before: r[3]?.id })).rejects.toMatchObject({
        statusCode: 400,
        code: 'parameters_exclusive',
      });
    });

    it('filters refunds by payment_intent, charge and created, paging within the filter', async () => {
      expect(ids(await client.refunds.list({ payment_intent: a.id }))).toEqual(refundIds(3, 2, 0));
      expect(ids(await client.refunds.list({ charge: b.latest_charge as string }))).toEqual(refundIds(1));
      // A cursor is a position in the whole list: b's refund, which the filter leaves out, still marks where the page starts.
      const afterB = await client.refunds.list({ payment_intent: a.id, limit: 1, starting_after: r[1]?.id });
      expect([ids(afterB), afterB.has_more]).toEqual([refundIds(0), false]);
      const firstOfA = await client.refunds.list({ payment_intent: a.id, limit: 2 });
      expect([ids(firstOfA), firstOfA.has_more]).toEqual([refundIds(3, 2), true]);

      expect(ids(await client.refunds.list({ created: { gte: T + 11, lt: T + 13 } }))).toEqual(refundIds(2, 1));
      expect(ids(await client.refunds.list({ created: { gt: T + 11 } }))).toEqual(refundIds(3, 2));
      expect(ids(await client.refunds.list({ created: { lte: T + 10 } }))).toEqual(refundIds(0));
      expect(ids(await client.refunds.list({ created: T + 12 }))).toEqual(refundIds(2));
      expect(ids(await client.refunds.list({ created: T + 99 }))).toEqual([]);
      expect(ids(await client.refunds.list({ payment_intent: a.id, created: { gt: T + 10 } }))).toEqual(refundIds(3, 2));

      await expect(client.refunds.list({ payment_intent: 'pi_missing' })).rejects.toMatchObject({
        statusCode: 400,
        code: 'resource_missing',
        param: 'payment_intent',
      });
      await expect(client.refunds.list({ created: { after: T } } as Stripe.RefundListParams)).rejects.toMatchObject({
        statusCode: 400,
        code: 'parameter_unknown',
        param: 'created[after]',
      });
      await expect(client.refunds.list({ created: 'yesterday' } as unknown as Stripe.RefundListParams)).rejects.toMatchObject({
        statusCode: 400,
        code: 'parameter_invalid_integer',
        param: 'created',
      });
    });

    it('auto-paginates over more than 100 refunds made within one second, forwards and backwards', async () => {
      at(20);
      const c = await client.paymentIntents.create({ amount: 500, currency: 'eur', confirm: true, payment_method: 'pm_card_visa' });
      const made: string[] = [];
      for (let i = 0; i < 130; i++) made.push((await client.refunds.create({ payment_intent: c.id, amount: 1 })).id);
      const listRequests = () => clocked.requests().filter((q) => q.method === 'GET' && q.path === '/v1/refunds').length;

      const before = listRequests();
      const seen: string[] = [];
      for await (const refund of client.refunds.list({ payment_intent: c.id, limit: 100 })) seen.push(refund.id);
      expect(seen).toEqual([...made].reverse());
      expect(listRequests() - before).toBe(2);

      const byTime = await client.refunds.list({ created: { gte: T + 20 } }).autoPagingToArray({ limit: 1000 });
      expect(byTime.map((x) => x.id)).toEqual([...made].reverse());
      // With ending_before the SDK walks towards newer objects, yielding them oldest first.
      const newer = await client.refunds.list({ payment_intent: c.id, limit: 50, ending_before: made[0] }).autoPagingToArray({ limit: 1000 });
      expect(newer.map((x) => x.id)).toEqual(made.slice(1));
      expect((await client.refunds.list({ payment_intent: a.id, limit: 100 })).data).toHaveLength(3);
    });

    it('filters PaymentIntents and events by created', async () => {
      at(30);
      const d = await client.paymentIntents.create({ amount: 300, currency: 'eur' });
      const c = (await client.paymentIntents.list({ created: { gte: T + 20, lt: T + 30 } })).data;
      expect(c).toHaveLength(1);
      expect(ids(await client.paymentIntents.list({ created: { gte: T + 20 } }))).toEqual([d.id, c[0]?.id]);
      expect(ids(await client.paymentIntents.list({ created: T }))).toEqual([b.id, a.id]);
      const page1 = await client.paymentIntents.list({ created: { lt: T + 20 }, limit: 1 });
      expect([ids(page1), page1.has_more]).toEqual([[b.id], true]);
      expect(ids(await client.paymentIntents.list({ created: { lt: T + 20 }, starting_after: b.id }))).toEqual([a.id]);
      await expect(client.paymentIntents.list({ created: { since: T } } as Stripe.PaymentIntentListParams)).rejects.toMatchObject({
        code: 'parameter_unknown',
        param: 'created[since]',
      });

      const atThirteen = await client.events.list({ created: { gte: T + 13, lte: T + 13 } });
      expect(atThirteen.data.map((e) => [e.type, (e.data.object as { id: string }).id])).toEqual([
        ['charge.refunded', a.latest_charge],
        ['refund.created', r[3]?.id],
      ]);
      const early = await client.events.list({ type: 'refund.created', created: { lt: T + 12 } });
      expect(early.data.map((e) => (e.data.object as { id: string }).id)).toEqual(refundIds(1, 0));
      expect((await client.events.list({ created: T + 30 })).data.map((e) => e.type)).toEqual(['payment_intent.created']);
    });

    it('refuses to redeliver without a webhook endpoint', () => {
      const event = clocked.events()[0] as { id: string };
      expect(() => clocked.redeliver(event.id)).toThrow(/no webhook endpoint/);
    });
  });

  describe('re-delivery', () => {
    it('redeliver sends the same event again, signed when it goes out; unknown ids are refused', async () => {
      let now = Date.now();
      const clocked = new StripeStandIn({ apiKey: API_KEY, webhookSecrets: [...SECRETS], webhookRetry: FAST_RETRY, now: () => now });
      const own = new Receiver(stripe);
      await Promise.all([clocked.start(), own.start()]);
      clocked.configure({ webhookUrl: own.url });
      try {
        const pi = await sdk(clocked).paymentIntents.create({ amount: 1200, currency: 'eur', metadata: { orderId: 'order-resend' } });
        await clocked.webhooksSettled();
        const event = clocked.events().find((e) => e.type === 'payment_intent.created') as Stripe.Event;
        expect((event.data.object as { id: string }).id).toBe(pi.id);

        now += 90_000;
        clocked.redeliver(event.id);
        await clocked.webhooksSettled();
        const deliveries = own.received.filter((d) => d.eventId === event.id);
        expect(deliveries.map((d) => [d.type, d.status, d.verified])).toEqual([
          ['payment_intent.created', 200, [true, true]],
          ['payment_intent.created', 200, [true, true]],
        ]);
        const stamps = deliveries.map((d) => Number(/^t=(\d+),/.exec(d.signature)?.[1]));
        expect((stamps[1] as number) - (stamps[0] as number)).toBe(90);
        // Each delivery is a job of its own: its attempts count from 1 again.
        expect(
          clocked
            .deliveries()
            .filter((d) => d.eventId === event.id)
            .map((d) => [d.attempt, d.outcome]),
        ).toEqual([
          [1, 'delivered'],
          [1, 'delivered'],
        ]);
        expect(own.received.filter((d) => d.paymentIntentId === pi.id)).toHaveLength(2);

        expect(() => clocked.redeliver('evt_unknown')).toThrow("No such event: 'evt_unknown'");
        clocked.configure({ enabledEvents: ['payment_intent.succeeded'] });
        expect(() => clocked.redeliver(event.id)).toThrow(/does not receive payment_intent.created events/);
      } finally {
        await clocked.stop();
        await own.stop();
      }
    });
  });

  describe('control API', () => {
    const control = (apiKey = API_KEY): StripeControlConfig => ({ ...standIn.clientConfig(), apiKey });
    /** A control request as another process would send it, with the key unless told otherwise. */
    const call = async (method: string, path: string, options: { body?: string; apiKey?: string | null } = {}) => {
      const apiKey = options.apiKey === undefined ? API_KEY : options.apiKey;
      const res = await fetch(`${standIn.endpoint}/_stand-in/${path}`, {
        method,
        headers: { ...(apiKey === null ? {} : { Authorization: `Bearer ${apiKey}` }), 'Content-Type': 'application/json' },
        ...(options.body === undefined ? {} : { body: options.body }),
      });
      const text = await res.text();
      return {
        status: res.status,
        headers: res.headers,
        json: (text ? JSON.parse(text) : undefined) as { error?: { type: string; message: string } } | undefined,
      };
    };
    const RESET_REFUNDS = JSON.stringify({ path: '/v1/refunds', fault: { kind: 'reset' } });

    afterEach(() => clearStripeFaults(control()));

    it('arms a fault over HTTP: a create answering 500 once is retried by the SDK and makes one PaymentIntent', async () => {
      const id = await injectStripeFault(control(), { method: 'POST', path: '/v1/payment_intents', fault: { kind: 'error', status: 500 } });
      expect(id).toMatch(/^fault_\d+$/);
      const pi = await sdk(standIn, { maxNetworkRetries: 2 }).paymentIntents.create({ amount: 3300, currency: 'eur', metadata: { scenario: 'control-500' } });
      expect(scenarioCount('control-500')).toBe(1);

      const log = await stripeRequests(control());
      expect(log.filter((q) => q.idempotencyKey === pi.lastResponse.idempotencyKey).map((q) => [q.status, q.replayed, q.fault])).toEqual([
        [500, false, 'error'],
        [200, false, undefined],
      ]);
      // Control requests stay out of the log: it is what Stripe clients sent, and the latest of them is the create.
      expect(log.at(-1)?.requestId).toBe(pi.lastResponse.requestId);
      expect(log).toEqual(JSON.parse(JSON.stringify(standIn.requests())));
    });

    it('a 429 armed by pathPattern is not retried and refunds nothing; clearing disarms what is left', async () => {
      const paid = await stripe.paymentIntents.create({ amount: 800, currency: 'eur', confirm: true, payment_method: 'pm_card_visa' });
      await injectStripeFault(control(), { pathPattern: '^/v1/refunds$', method: 'post', fault: { kind: 'error', status: 429 } });
      const limited = await rejection(sdk(standIn, { maxNetworkRetries: 2 }).refunds.create({ payment_intent: paid.id }));
      expect(limited).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
      expect(limited).toMatchObject({ statusCode: 429, code: 'rate_limit' });
      expect((await stripeRequests(control())).at(-1)).toMatchObject({ method: 'POST', path: '/v1/refunds', status: 429, fault: 'error' });
      expect((await stripe.refunds.list({ payment_intent: paid.id })).data).toEqual([]);

      await injectStripeFault(control(), { pathPattern: '^/v1/payment_intents/[^/]+$', method: 'GET', times: 5, fault: { kind: 'error', status: 503 } });
      await expect(stripe.paymentIntents.retrieve(paid.id)).rejects.toMatchObject({ statusCode: 503 });
      await clearStripeFaults(control());
      expect((await stripe.paymentIntents.retrieve(paid.id)).id).toBe(paid.id);
    });

    it('redelivers an event over HTTP (202), and answers 404 for an unknown one', async () => {
      const pi = await stripe.paymentIntents.create({ amount: 1400, currency: 'eur', metadata: { orderId: 'order-control-resend' } });
      await standIn.webhooksSettled();
      const event = standIn.events().find((e) => e.type === 'payment_intent.created' && (e.data.object as { id: string }).id === pi.id) as Stripe.Event;
      await redeliverStripeEvent(control(), event.id);
      await standIn.webhooksSettled();
      expect(receiver.received.filter((d) => d.eventId === event.id).map((d) => d.status)).toEqual([200, 200]);

      const unknown = await call('POST', 'events/evt_unknown/redeliver');
      expect(unknown).toMatchObject({ status: 404, json: { error: { type: 'invalid_request_error', message: "No such event: 'evt_unknown'" } } });
      await expect(redeliverStripeEvent(control(), 'evt_unknown')).rejects.toThrow(
        "answered POST /_stand-in/events/evt_unknown/redeliver with 404: No such event: 'evt_unknown'",
      );
      expect((await call('POST', `events/${event.id}/redeliver`, { body: '{"now":true}' })).status).toBe(400);
    });

    it('answers 401 without the secret key, and arms nothing', async () => {
      for (const apiKey of [null, 'sk_test_not_the_configured_key_0000']) {
        const refused = await call('POST', 'faults', { body: RESET_REFUNDS, apiKey });
        expect(refused.status).toBe(401);
        expect(refused.json?.error?.type).toBe('invalid_request_error');
        expect((await call('GET', 'requests', { apiKey })).status).toBe(401);
        expect((await call('DELETE', 'faults', { apiKey })).status).toBe(401);
      }
      await expect(injectStripeFault(control('sk_test_wrong'), { path: '/v1/refunds', fault: { kind: 'reset' } })).rejects.toThrow(
        / with 401: Invalid API Key provided/,
      );
      const paid = await stripe.paymentIntents.create({ amount: 600, currency: 'eur', confirm: true, payment_method: 'pm_card_visa' });
      expect((await stripe.refunds.create({ payment_intent: paid.id })).status).toBe('succeeded');
    });

    it('answers 400 to a bad body, saying what is wrong, and arms nothing', async () => {
      const refusals: Array<[string, RegExp]> = [
        ['not json', /the body is not JSON/],
        ['[]', /expected object, received array/],
        [JSON.stringify({ fault: { kind: 'reset' } }), /path: give exactly one of path .* and pathPattern/],
        [JSON.stringify({ path: '/v1/refunds', pathPattern: '^/v1/refunds$', fault: { kind: 'reset' } }), /give exactly one of path/],
        [JSON.stringify({ pathPattern: '(', fault: { kind: 'reset' } }), /pathPattern: not a valid regular expression/],
        [JSON.stringify({ path: '/v1/refunds' }), /fault: Invalid input/],
        [JSON.stringify({ path: '/v1/refunds', fault: { kind: 'explode' } }), /fault\.kind: Invalid discriminator value/],
        [JSON.stringify({ path: '/v1/refunds', fault: { kind: 'error', status: 200 } }), /fault\.status: Too small/],
        [JSON.stringify({ path: '/v1/refunds', fault: { kind: 'delay' } }), /fault\.ms: Invalid input/],
        [JSON.stringify({ path: '/v1/refunds', times: 0, fault: { kind: 'reset' } }), /times: Too small/],
        [JSON.stringify({ path: 'v1/refunds', fault: { kind: 'reset' } }), /path: path must be a URL path/],
        [JSON.stringify({ path: '/v1/refunds', fault: { kind: 'reset' }, once: true }), /Unrecognized key: "once"/],
      ];
      for (const [body, message] of refusals) {
        const refused = await call('POST', 'faults', { body });
        expect([body, refused.status, refused.json?.error?.type]).toEqual([body, 400, 'invalid_request_error']);
        expect(refused.json?.error?.message).toMatch(message);
      }
      const paid = await stripe.paymentIntents.create({ amount: 700, currency: 'eur', confirm: true, payment_method: 'pm_card_visa' });
      expect((await stripe.refunds.create({ payment_intent: paid.id })).status).toBe('succeeded');

      const wrongMethod = await call('GET', 'faults');
      expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'POST, DELETE']);
      expect((await call('POST', 'nothing-here')).status).toBe(404);
      expect((await call('DELETE', 'faults')).status).toBe(204);
    });
  });

  it('stop() cancels pending webhook retries and closes hung connections: the process exits at once', async () => {
    // In a process of its own, because "nothing keeps the process alive" is a property of the whole process.
    const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', '-e', EXIT_PROBE], { cwd: path.resolve(__dirname, '../..'), timeout: 30_000 });
    const result = JSON.parse(stdout) as { created: number; hung: string; deliveries: string[]; stopMs: number; exitMs: number };
    expect(result.created).toBe(200);
    expect(result.hung).toBe('ECONNRESET');
    // The first attempt failed and a retry was due in 60 s; stop() cancelled it and no attempt followed.
    expect(result.deliveries).toEqual(['retrying']);
    expect(result.stopMs).toBeLessThan(500);
    expect(result.exitMs).toBeLessThan(1000);
  }, 40_000);
});

/** Starts a stand-in with a webhook retry pending for 60 s and a request hung by an injected fault, then stops it. */
const EXIT_PROBE = `
const http = require('node:http');
const { StripeStandIn } = require('./local/partners/stripe/stripe-stand-in.ts');
const post = (port, body) => new Promise((resolve) => {
  const req = http.request({ host: '127.0.0.1', port, path: '/v1/payment_intents', method: 'POST', agent: false,
    headers: { Authorization: 'Bearer sk_test_exit', 'Content-Type': 'application/x-www-form-urlencoded' } },
    (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
  req.on('error', (e) => resolve(e.code));
  req.end(body);
});
(async () => {
  const nobody = http.createServer();
  await new Promise((r) => nobody.listen(0, '127.0.0.1', r));
  const deadPort = nobody.address().port;
  await new Promise((r) => nobody.close(r));
  const standIn = new StripeStandIn({ apiKey: 'sk_test_exit', webhookSecrets: ['whsec_exit'], webhookRetry: { initialDelayMs: 60000 } });
  await standIn.start();
  standIn.configure({ webhookUrl: 'http://127.0.0.1:' + deadPort + '/' });
  const created = await post(standIn.port, 'amount=100&currency=eur');
  while (!standIn.deliveries().some((d) => d.outcome === 'retrying')) await new Promise((r) => setTimeout(r, 10));
  standIn.injectFault({ path: '/v1/payment_intents', fault: { kind: 'hang' } });
  const hung = post(standIn.port, 'amount=100&currency=eur');
  await new Promise((r) => setTimeout(r, 50));
  const stopping = performance.now();
  await standIn.stop();
  const result = { created, hung: await hung, deliveries: standIn.deliveries().map((d) => d.outcome), stopMs: performance.now() - stopping };
  process.on('exit', () => process.stdout.write(JSON.stringify({ ...result, exitMs: performance.now() - stopping })));
})();
`;
