import { stripeApiKey } from '../../shared/adapters/cached-secrets';
import { StripePaymentGateway } from '../../shared/adapters/stripe-payment-gateway';
import { optionalEnv, requiredEnv } from '../../shared/config/env';

/** Stripe, with the API key read through a cache with a TTL (POWERTOOLS_PARAMETERS_MAX_AGE): a rolled key needs no redeploy. */
export function paymentGateway(): StripePaymentGateway {
  const apiUrl = optionalEnv('STOCKADE_STRIPE_API_URL', '');
  return new StripePaymentGateway({ apiKey: stripeApiKey(requiredEnv('STRIPE_API_KEY_SECRET_ARN')), ...(apiUrl ? { apiUrl } : {}) });
}
