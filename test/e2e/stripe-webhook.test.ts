import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import Stripe from 'stripe';
import { STRIPE_WEBHOOK_EVENTS } from '../../shared/domain/payments/receive-webhook';
import { localCredentials, testEndpoints } from '../support/endpoints';

/** POST /webhooks/stripe over HTTP: verified on the raw body, recorded once, and fed by the Stripe stand-in. */
describe('Stripe webhook intake, end to end', () => {
  const endpoints = testEndpoints();
  const secret = endpoints.stripe?.webhookSecret as string;
  const ddb = new DynamoDBClient({ endpoint: endpoints.aws.dynamodb, region: endpoints.region, credentials: localCredentials });
  const table = Object.entries(endpoints.tables).find(([id]) => id.startsWith('PaymentsTable'))?.[1] as string;
  afterAll(() => ddb.destroy());

  const ledgerItem = async (eventId: string) =>
    (await ddb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: `EVENT#stripe#${eventId}` }, sk: { S: 'EVENT' } }, ConsistentRead: true }))).Item;
  const post = (body: string, signature?: string) =>
    fetch(`${endpoints.apiUrl}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(signature ? { 'Stripe-Signature': signature } : {}) },
      body,
    });
  const event = (id: string) =>
    JSON.stringify({
      id,
      object: 'event',
      type: 'payment_intent.succeeded',
      created: Math.floor(Date.now() / 1000),
      api_version: '2025-01-01',
      data: { object: { id: 'pi_e2e', object: 'payment_intent', status: 'succeeded', amount: 2100, currency: 'eur', metadata: {} } },
    });
  const sign = (body: string, key = secret, timestamp = Math.floor(Date.now() / 1000)) =>
    Stripe.webhooks.generateTestHeaderString({ payload: body, secret: key, timestamp });

  it('records a signed event once; a duplicate delivery is acknowledged and changes nothing', async () => {
    const id = `evt_e2e_${Date.now()}`;
    const body = event(id);
    const first = await post(body, sign(body));
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ received: true, duplicate: false });
    const receivedAt = (await ledgerItem(id))?.receivedAt?.S;
    expect(receivedAt).toBeDefined();
    const again = await post(body, sign(body));
    expect(await again.json()).toEqual({ received: true, duplicate: true });
    expect((await ledgerItem(id))?.receivedAt?.S).toBe(receivedAt);
  });

  it.each([
    ['unsigned', (b: string) => [b, undefined] as const],
    ['tampered', (b: string) => [b.replace('pi_e2e', 'pi_evil'), sign(b)] as const],
    ['stale (more than 300 s old)', (b: string) => [b, sign(b, secret, Math.floor(Date.now() / 1000) - 301)] as const],
    ['body-swapped', (b: string) => [event('evt_other'), sign(b)] as const],
    ['signed with a wrong secret', (b: string) => [b, sign(b, 'whsec_not_ours')] as const],
  ])('refuses a %s request with 400 problem+json and records nothing', async (_name, forge) => {
    const id = `evt_forged_${Date.now()}_${Math.random().toString(36).slice(2)}`;
    const [body, signature] = forge(event(id));
    const response = await post(body, signature);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await ledgerItem(id)).toBeUndefined();
    expect(await ledgerItem('evt_other')).toBeUndefined();
  });

  it('receives the signed events of a real payment that the endpoint subscribes to, and no others', async () => {
    const stripe = new Stripe(endpoints.stripe?.apiKey as string, {
      host: endpoints.stripe?.host,
      port: endpoints.stripe?.port,
      protocol: endpoints.stripe?.protocol,
      maxNetworkRetries: 0,
    });
    const intent = await stripe.paymentIntents.create({ amount: 4200, currency: 'eur', metadata: { orderId: 'e2e-webhook' } });
    await stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    // Through the payment-events queue, whose single FIFO poller serves every suite: room for a busy runner.
    const deadline = Date.now() + 45_000;
    let events: Stripe.Event[] = [];
    let recorded: string[] = [];
    while (Date.now() < deadline) {
      // The account's events since this PaymentIntent, every page: other suites pay meanwhile, so the newest 20 may all be theirs.
      const since = await stripe.events.list({ created: { gte: intent.created }, limit: 100 }).autoPagingToArray({ limit: 10_000 });
      events = since.filter((e) => (e.data.object as { id?: string }).id === intent.id);
      recorded = [];
      for (const e of events) if (await ledgerItem(e.id)) recorded.push(e.type);
      if (recorded.includes('payment_intent.succeeded')) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(recorded).toEqual(['payment_intent.succeeded']);
    // Stripe made the others too; the runtime's endpoint, like a deployed one, is not subscribed to them.
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['payment_intent.created', 'payment_intent.succeeded']));
    expect(STRIPE_WEBHOOK_EVENTS).not.toContain('payment_intent.created');
  }, 90_000);
});
