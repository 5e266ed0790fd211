import { stripeApiKey } from '../../shared/adapters/cached-secrets';
import { StripePaymentGateway } from '../../shared/adapters/stripe-payment-gateway';
import { optionalEnv, requiredEnv } from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';

/** Stripe, with the API key read through a cache with a TTL (POWERTOOLS_PARAMETERS_MAX_AGE): a rolled key needs no redeploy. */
export function paymentGateway(): StripePaymentGateway {
  const apiUrl = optionalEnv(ENV.STOCKADE_STRIPE_API_URL, '');
  return new StripePaymentGateway({ apiKey: stripeApiKey(requiredEnv(ENV.STRIPE_API_KEY_SECRET_ARN)), ...(apiUrl ? { apiUrl } : {}) });
}
