import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { SignInUser } from '../../local/clients/sign-in';
import { PURCHASE_STEPS, type PurchaseExchange, runPurchase } from '../../local/clients/purchase';
import { localTarget, type PurchaseTarget } from '../../local/clients/purchase-targets';
import { runSmoke } from '../../local/clients/smoke';
import { apiCaller } from '../support/api';
import { stripeClient, testEndpoints } from '../support/endpoints';
import { cognitoClient, newCustomer, signIn } from '../support/identity';
import { totalWithDefaultShipping } from '../support/shipping';
import { STAGE_DEFAULTS } from '../../lib/config/stages';
import { DEMO_PURCHASE_ADDRESS, DEMO_PURCHASE_SHIPPING } from '../../local/demo/demo-address';
import { shippingCharge } from '../../shared/domain/orders/shipping';

/**
 * `npm run smoke`'s function against the e2e runtime, as the CLI runs it locally (sign-in against the local Cognito,
 * payment through the Stripe stand-in): a paid order, and a failure that names its step for a wrong URL, an API
 * that answers 404, a declined card and a step that outlives the time bound. A customer and a product of its own,
 * so no other test's cart or stock moves.
 */
describe('npm run smoke (local/clients/smoke.ts)', () => {
  const endpoints = testEndpoints();
  const users = endpoints.users as NonNullable<typeof endpoints.users>;
  const call = apiCaller(endpoints.apiUrl);
  const tag = randomBytes(3).toString('hex').toUpperCase();
  let customer: SignInUser;
  let customerToken = '';
  let productId = '';
  let closedPort = 0;

  beforeAll(async () => {
    const client = cognitoClient();
    const vendor = await signIn(client, users.vendor);
    const signedUp = await newCustomer(client, 'smoke');
    customer = { username: signedUp.username, password: signedUp.password };
    customerToken = signedUp.accessToken;
    client.destroy();
    const created = await call('POST', '/vendor/products', vendor, {
      name: `Smoke test candle ${tag}`,
      description: 'Beeswax',
      skus: [{ sku: `CANDLE-${tag}`, name: 'Tall', price: { amount: 1250, currency: 'EUR' }, initialStock: 20 }],
    });
    expect(created.status).toBe(201);
    productId = String(created.body.productId);
    closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
  }, 60_000);

  const smoke = async (target: PurchaseTarget, timeoutMs = 60_000) => {
    const lines: string[] = [];
    const result = await runSmoke({ target, productId, timeoutMs, print: (line) => lines.push(line) });
    return { result, output: lines.join('\n') };
  };

  it('completes a paid order, printing every step with its timing and no token or e-mail address', async () => {
    const { result, output } = await smoke(localTarget(endpoints, { customer }));
    expect(result).toMatchObject({
      ok: true,
      status: expect.stringMatching(/^(CONFIRMED|FULFILLED)$/),
      total: { amount: totalWithDefaultShipping(1250), currency: 'EUR' },
    });
    expect(result.steps.map((s) => s.step)).toEqual([...PURCHASE_STEPS]);
    const stepLines = output.split('\n').filter((line) => line.startsWith('  ok    '));
    expect(stepLines.map((line) => line.trim().split(/\s+/)[1])).toEqual([...PURCHASE_STEPS]);
    for (const line of stepLines) expect(line).toMatch(/^ {2}ok {4}[a-z-]+ +\d+ ms {2}\S/);
    // 12.50 EUR of items and 4.90 EUR of standard shipping to the customer's default address (lib/config/stages.ts).
    expect(totalWithDefaultShipping(1250)).toBe(1740);
    expect(output).toMatch(/^smoke passed in \d+\.\d s: order \w{26} (CONFIRMED|FULFILLED), 17\.40 EUR paid$/m);
    expect(output).not.toMatch(/eyJ|@stockade\.test|secret/);

    // The order is the customer's, paid, its stock taken.
    const order = await call('GET', `/orders/${result.ok ? result.orderId : ''}`, customerToken);
    expect(order.body).toMatchObject({ status: expect.stringMatching(/^(CONFIRMED|FULFILLED)$/), payment: { status: 'succeeded' } });
    expect(((await call('GET', `/products/${productId}`)).body.skus as Array<{ available: number }>)[0]?.available).toBe(19);
  }, 90_000);

  it.each([
    ['an API URL that answers 404', () => `${endpoints.apiUrl}/not-the-api`, /^GET \/health answered HTTP 404/],
    ['a port nothing listens on', () => `http://127.0.0.1:${closedPort}`, /^GET \/health: could not reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/],
  ])(
    'names the health step for %s, and exits its run without signing in',
    async (_what, url, reason) => {
      let signedIn = false;
      const { result, output } = await smoke({
        ...localTarget(endpoints, { customer }),
        apiUrl: url(),
        signIn: async () => {
          signedIn = true;
          return 'never';
        },
      });
      expect(result).toMatchObject({ ok: false, failedStep: 'health', reason: expect.stringMatching(reason) });
      expect(output).toMatch(/^smoke FAILED at step "health" after \d+\.\d s: /m);
      expect(signedIn).toBe(false);
    },
    30_000,
  );

  // Cognito answers a wrong password NotAuthorizedException; cognito-local answers InvalidPasswordException.
  it('names the sign-in step when the customer cannot sign in, with the error name only', async () => {
    const { result, output } = await smoke(localTarget(endpoints, { customer: { ...customer, password: `${customer.password}-wrong` } }));
    expect(result).toMatchObject({
      ok: false,
      failedStep: 'sign-in',
      reason: expect.stringMatching(/^(NotAuthorizedException|InvalidPasswordException) HTTP 400$/),
    });
    expect(output).not.toContain(customer.username);
  }, 30_000);

  it('names the pay step when the card is declined, with the Stripe error type and code, and the order it left', async () => {
    const { result } = await smoke(localTarget(endpoints, { customer, paymentMethod: 'pm_card_chargeDeclined' }));
    expect(result).toMatchObject({
      ok: false,
      failedStep: 'pay',
      reason: 'StripeCardError card_declined HTTP 402',
      orderId: expect.any(String),
    });
  }, 60_000);

  it('is bounded in time: a step that does not finish fails as timed out, naming the step', async () => {
    const target = localTarget(endpoints, { customer });
    // The bound leaves the steps before pay (sign-in, checkout, the saga to AWAITING_PAYMENT) room on a loaded runner.
    const { result } = await smoke({ ...target, pay: () => new Promise<string>(() => undefined) }, 20_000);
    expect(result).toMatchObject({ ok: false, failedStep: 'pay', reason: 'timed out: the purchase took more than 20 s' });
    expect(result.ms).toBeLessThan(24_000);
  }, 60_000);

  it("runs npm run demo:purchase's purchase to FULFILLED: shipped by express to its address, the charge in the PaymentIntent", async () => {
    const exchanges: PurchaseExchange[] = [];
    const result = await runPurchase({
      ...localTarget(endpoints, { customer }),
      productId,
      quantity: 2,
      until: 'fulfilled',
      shipping: DEMO_PURCHASE_SHIPPING,
      reporter: { exchange: (e) => exchanges.push(e) },
    });
    // The charge computed here from the dev stage's rates, not read back from the order: 2 x 12.50 EUR to Austria by express.
    const items = { amount: 2500, currency: 'EUR' };
    const charge = shippingCharge(STAGE_DEFAULTS.dev.shipping, { optionId: 'express', country: DEMO_PURCHASE_ADDRESS.country, itemsTotal: items });
    expect(charge.amount.amount).toBeGreaterThan(0);
    expect(result).toMatchObject({ ok: true, status: 'FULFILLED', total: { amount: 2500 + charge.amount.amount, currency: 'EUR' } });
    if (!result.ok) return;
    const checkout = exchanges.find((e) => e.method === 'POST' && e.path === '/checkout');
    expect(checkout).toMatchObject({
      step: 'checkout',
      status: 202,
      requestBody: { shippingAddress: DEMO_PURCHASE_ADDRESS, shippingOption: 'express' },
      headers: { 'Idempotency-Key': expect.stringMatching(/^[0-9a-f-]{36}$/) },
    });
    expect(exchanges.find((e) => e.method === 'PUT')).toMatchObject({
      step: 'cart',
      path: expect.stringMatching(/^\/cart\/items\/CANDLE-/),
      requestBody: { quantity: 2 },
    });
    expect(exchanges.at(-1)).toMatchObject({ step: 'paid', body: { status: 'FULFILLED' } });
    expect(JSON.stringify(exchanges)).not.toMatch(/eyJ|Bearer/);
    const order = await call('GET', `/orders/${result.orderId}`, customerToken);
    const paymentIntentId = String((order.body.payment as { paymentIntentId?: string } | undefined)?.paymentIntentId);
    expect(await stripeClient(endpoints).paymentIntents.retrieve(paymentIntentId)).toMatchObject({
      amount: 2500 + charge.amount.amount,
      currency: 'eur',
      status: 'succeeded',
    });
    const fulfilment = endpoints.fulfilment as NonNullable<typeof endpoints.fulfilment>;
    const shipments = (await (await fetch(new URL('shipments', fulfilment.url), { headers: { authorization: `Bearer ${fulfilment.apiKey}` } })).json()) as {
      items: Array<{ orderId: string; shipTo?: unknown; shippingOption?: string }>;
    };
    expect(shipments.items.filter((s) => s.orderId === result.orderId)).toEqual([
      expect.objectContaining({ orderId: result.orderId, shipTo: DEMO_PURCHASE_ADDRESS, shippingOption: 'express' }),
    ]);
  }, 60_000);
});
