import Stripe from 'stripe';
import { StripeWebhookVerifier } from '../../../shared/adapters/stripe-webhook-verifier';
import { ValidationError } from '../../../shared/domain/errors';

const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'payment_intent.succeeded', created: 1_790_000_000, data: { object: { id: 'pi_1', object: 'payment_intent', status: 'succeeded', amount: 3600, currency: 'eur', metadata: { orderId: '01ORDER' }, last_payment_error: null } } });
const sign = (secret: string, body = payload, timestamp = Math.floor(Date.now() / 1000)) => Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp });

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
});
