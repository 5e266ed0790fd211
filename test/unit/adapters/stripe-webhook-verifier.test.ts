import Stripe from 'stripe';
import { StripeWebhookVerifier } from '../../../shared/adapters/stripe-webhook-verifier';
import { ValidationError, WebhookSignatureError } from '../../../shared/domain/errors';

const payload = JSON.stringify({
  id: 'evt_1',
  object: 'event',
  type: 'payment_intent.succeeded',
  created: 1_790_000_000,
  data: {
    object: {
      id: 'pi_1',
      object: 'payment_intent',
      status: 'succeeded',
      amount: 3600,
      currency: 'eur',
      metadata: { orderId: '01ORDER' },
      last_payment_error: null,
    },
  },
});
const sign = (secret: string, body = payload, timestamp = Math.floor(Date.now() / 1000)) =>
  Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp });

describe('StripeWebhookVerifier', () => {
  it('accepts a body signed with the current secret and returns the event essentials', async () => {
    const verifier = new StripeWebhookVerifier(async () => ['whsec_current']);
    await expect(verifier.verify(payload, sign('whsec_current'))).resolves.toEqual({
      provider: 'stripe',
      eventId: 'evt_1',
      type: 'payment_intent.succeeded',
      created: 1_790_000_000,
      objectId: 'pi_1',
      paymentIntent: { id: 'pi_1', status: 'succeeded', amount: 3600, currency: 'eur', orderId: '01ORDER' },
    });
  });

  it('accepts both secrets during a rotation, and refuses the old one once it is removed', async () => {
    let secrets = ['whsec_new', 'whsec_old'];
    const verifier = new StripeWebhookVerifier(async () => secrets);
    await expect(verifier.verify(payload, sign('whsec_old'))).resolves.toMatchObject({ eventId: 'evt_1' });
    await expect(verifier.verify(payload, sign('whsec_new'))).resolves.toMatchObject({ eventId: 'evt_1' });
    secrets = ['whsec_new'];
    await expect(verifier.verify(payload, sign('whsec_old'))).rejects.toBeInstanceOf(ValidationError);
  });

  it.each([
    ['no signature', payload, undefined],
    ['a tampered body', payload.replace('pi_1', 'pi_2'), sign('whsec_current')],
    ['a swapped body', JSON.stringify({ id: 'evt_2' }), sign('whsec_current')],
    ['a stale timestamp (> 300 s)', payload, sign('whsec_current', payload, Math.floor(Date.now() / 1000) - 301)],
    ['a wrong secret', payload, sign('whsec_attacker')],
    ['garbage', payload, 't=1,v1=deadbeef'],
  ])('refuses %s', async (_name, body, header) => {
    const verifier = new StripeWebhookVerifier(async () => ['whsec_current']);
    await expect(verifier.verify(body, header)).rejects.toBeInstanceOf(ValidationError);
  });

  const now = () => Math.floor(Date.now() / 1000);
  const valid = () => sign('whsec_current');
  const v1 = () => valid().split(',')[1] as string;

  it.each([
    ['an empty v1 (t=1,v1=)', 't=1,v1='],
    ['an empty timestamp (t=,v1=…)', () => `t=,${v1()}`],
    ['an empty v1 among valid ones', () => `${valid()},v1=`],
    ['two timestamps', () => `${valid()},t=${now()}`],
    ['no v1 at all', () => `t=${now()}`],
    ['only commas', ',,,'],
    ['a part without =', () => `${valid()},garbage`],
    ['a v1 that is not hex', () => `t=${now()},v1=${'z'.repeat(64)}`],
    ['a v1 of the wrong length', () => `t=${now()},v1=${'a'.repeat(63)}`],
    ['a huge header', () => `${valid()},${'v0=aa,'.repeat(400)}v0=aa`],
    ['a prototype-named scheme', () => `__proto__=1,${valid()}`],
    ['whitespace inside', () => valid().replace(',', ', ')],
    ['a correct signature made 330 s in the future', () => sign('whsec_current', payload, now() + 330)],
  ])('refuses %s as a signature failure, without throwing anything else', async (_name, header) => {
    const verifier = new StripeWebhookVerifier(async () => ['whsec_current']);
    await expect(verifier.verify(payload, typeof header === 'function' ? header() : header)).rejects.toBeInstanceOf(WebhookSignatureError);
  });

  const event = JSON.parse(payload) as Record<string, unknown>;
  it.each([
    ['not JSON', '{"id": "evt_1", '],
    ['an array', '[1,2,3]'],
    ['null', 'null'],
    ['a string', '"evt_1"'],
    ['an event without data', JSON.stringify({ ...event, data: undefined })],
    ['data.object null', JSON.stringify({ ...event, data: { object: null } })],
    ['no id', JSON.stringify({ ...event, id: undefined })],
    ['an object id', JSON.stringify({ ...event, id: { evt: 1 } })],
    ['an id without evt_', JSON.stringify({ ...event, id: 'pi_1' })],
    ['no type', JSON.stringify({ ...event, type: undefined })],
    ['no created', JSON.stringify({ ...event, created: undefined })],
    [
      'a PaymentIntent without amount',
      JSON.stringify({ ...event, data: { object: { id: 'pi_1', object: 'payment_intent', status: 'succeeded', currency: 'eur' } } }),
    ],
    [
      'a PaymentIntent with a negative amount',
      JSON.stringify({ ...event, data: { object: { id: 'pi_1', object: 'payment_intent', status: 'succeeded', amount: -1, currency: 'eur' } } }),
    ],
    ['a refund without amount', JSON.stringify({ ...event, type: 'refund.created', data: { object: { id: 're_1', object: 'refund', status: 'succeeded' } } })],
  ])('refuses a correctly signed body that is %s as malformed (400), not as a signature failure', async (_name, body) => {
    const verifier = new StripeWebhookVerifier(async () => ['whsec_current']);
    const error = await verifier.verify(body, sign('whsec_current', body)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).not.toBeInstanceOf(WebhookSignatureError);
    // The message never quotes the body.
    expect((error as Error).message).not.toContain('evt_1');
  });

  it('accepts an event about an object it does not act on, with only its id', async () => {
    const body = JSON.stringify({ ...event, type: 'customer.created', data: { object: { id: 'cus_1', object: 'customer', email: 'x@example.com' } } });
    const verifier = new StripeWebhookVerifier(async () => ['whsec_current']);
    await expect(verifier.verify(body, sign('whsec_current', body))).resolves.toEqual({
      provider: 'stripe',
      eventId: 'evt_1',
      type: 'customer.created',
      created: 1_790_000_000,
      objectId: 'cus_1',
    });
  });
});
