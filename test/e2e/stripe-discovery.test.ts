import Stripe from 'stripe';
import { testEndpoints } from '../support/endpoints';

/** A storefront pays exactly as it would with Stripe: the official SDK pointed at the stand-in endpoints.json names. */
describe('the Stripe stand-in, as endpoints.json publishes it', () => {
  const { stripe: config } = testEndpoints();

  it('publishes a test key and a webhook signing secret', () => {
    expect(config).toMatchObject({ host: '127.0.0.1', protocol: 'http' });
    expect(config?.apiKey).toMatch(/^sk_test_/);
    expect(config?.webhookSecret).toMatch(/^whsec_/);
  });

  it('takes a payment with pm_card_visa and declines pm_card_chargeDeclined, through the real SDK', async () => {
    const stripe = new Stripe(config?.apiKey as string, { host: config?.host, port: config?.port, protocol: config?.protocol, maxNetworkRetries: 0 });
    const intent = await stripe.paymentIntents.create({ amount: 2599, currency: 'eur', metadata: { orderId: 'e2e-order' } });
    expect(intent.client_secret?.startsWith(`${intent.id}_secret_`)).toBe(true);
    const paid = await stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    expect(paid.status).toBe('succeeded');
    const declined = await stripe.paymentIntents.create({ amount: 999, currency: 'eur' });
    await expect(stripe.paymentIntents.confirm(declined.id, { payment_method: 'pm_card_chargeDeclined' })).rejects.toMatchObject({
      type: 'StripeCardError',
      code: 'card_declined',
    });
    await expect(
      new Stripe('sk_test_wrong', { host: config?.host, port: config?.port, protocol: config?.protocol, maxNetworkRetries: 0 }).paymentIntents.retrieve(
        intent.id,
      ),
    ).rejects.toMatchObject({ type: 'StripeAuthenticationError' });
  });
});
