import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { StripePaymentGateway } from '../../shared/adapters/stripe-payment-gateway';
import { optionalEnv, requiredEnv } from '../../shared/config/env';

/** Stripe, with the API key read through a 5-minute cache (a rotated key needs no redeploy). */
export function paymentGateway(): StripePaymentGateway {
  const secretArn = requiredEnv('STRIPE_API_KEY_SECRET_ARN');
  const apiUrl = optionalEnv('STOCKADE_STRIPE_API_URL', '');
  return new StripePaymentGateway({
    apiKey: async () => {
      const key = await getSecret(secretArn, { maxAge: 300 });
      if (typeof key !== 'string' || key.length === 0) throw new Error('The Stripe API key secret is empty');
      return key;
    },
    ...(apiUrl ? { apiUrl } : {}),
  });
}
