import { stripeWebhookSecrets, secretText } from '../../shared/adapters/secrets-manager-secret-store';
import { StripePaymentGateway } from '../../shared/adapters/stripe-payment-gateway';
import { StripeWebhookVerifier } from '../../shared/adapters/stripe-webhook-verifier';
import { optionalEnv, requiredEnv } from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';
import { secretStore } from './platform';

/** Stripe, with the API key read through the secret store: a rolled key needs no redeploy. Own module: only the functions that call Stripe bundle its SDK. */
export function paymentGateway(): StripePaymentGateway {
  const apiUrl = optionalEnv(ENV.STOCKADE_STRIPE_API_URL, '');
  const apiKey = secretText(secretStore(), requiredEnv(ENV.STRIPE_API_KEY_SECRET_ARN), 'Stripe API key');
  return new StripePaymentGateway({ apiKey, ...(apiUrl ? { apiUrl } : {}) });
}

/** Verifies Stripe's webhook signatures with every signing secret of the endpoint (two during a roll). */
export function stripeWebhookVerifier(): StripeWebhookVerifier {
  return new StripeWebhookVerifier(stripeWebhookSecrets(secretStore(), requiredEnv(ENV.STRIPE_WEBHOOK_SECRETS_ARN)));
}
