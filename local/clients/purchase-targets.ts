import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import Stripe from 'stripe';
import { localCredentials } from '../aws/credentials';
import { PurchaseStepError, type PurchaseOptions } from './purchase';
import { type SignInUser, signInWithPassword } from './sign-in';

/** Where a purchase runs and how its customer signs in and pays: what `runPurchase` needs beside its own options. */
export type PurchaseTarget = Pick<PurchaseOptions, 'apiUrl' | 'signIn' | 'pay'> & { readonly description: string };

/** What of a running local runtime's endpoints.json a purchase uses (local/runtime/local-runtime.ts `Endpoints`). */
export interface LocalRuntimeEndpoints {
  readonly apiUrl: string;
  readonly region: string;
  readonly cognito?: { readonly endpoint: string; readonly clientId: string };
  readonly users?: { readonly customer: SignInUser };
  readonly stripe?: { readonly host: string; readonly port: number; readonly protocol: 'http'; readonly apiKey: string };
}

/**
 * A purchase against a running local runtime: the demo customer (or `customer`) signs in against the local Cognito,
 * and pays by confirming the PaymentIntent with the official Stripe SDK pointed at the Stripe stand-in, which then
 * sends the signed webhook that resumes the order saga, as Stripe would.
 */
export function localTarget(endpoints: LocalRuntimeEndpoints, options: { customer?: SignInUser; paymentMethod?: string } = {}): PurchaseTarget {
  const { cognito, stripe } = endpoints;
  const customer = options.customer ?? endpoints.users?.customer;
  if (!cognito || !stripe || !customer) throw new Error('endpoints.json has no Cognito, Stripe stand-in or demo customer: is this a local runtime?');
  return {
    description: `local runtime at ${endpoints.apiUrl}`,
    apiUrl: endpoints.apiUrl,
    signIn: () => signIn({ endpoint: cognito.endpoint, region: endpoints.region, credentials: localCredentials }, cognito.clientId, customer),
    pay: (paymentIntentId) =>
      confirmPayment(new Stripe(stripe.apiKey, { host: stripe.host, port: stripe.port, protocol: stripe.protocol }), paymentIntentId, {
        payment_method: options.paymentMethod ?? 'pm_card_visa',
      }),
  };
}

/** The environment variables a purchase against a deployed stage reads (docs/operations.md, the smoke test). */
export const STAGE_SMOKE_ENV = {
  username: 'STOCKADE_SMOKE_USERNAME',
  password: 'STOCKADE_SMOKE_PASSWORD',
  totpSecret: 'STOCKADE_SMOKE_TOTP_SECRET',
  clientId: 'STOCKADE_SMOKE_COGNITO_CLIENT_ID',
  region: 'STOCKADE_SMOKE_REGION',
  stripeKey: 'STOCKADE_SMOKE_STRIPE_KEY',
} as const;

/** The smoke test cannot run as configured: names what is missing or wrong (never a value). */
export class SmokeConfigurationError extends Error {
  override readonly name = 'SmokeConfigurationError';
}

/**
 * A purchase against a deployed stage with Stripe in test mode: the smoke customer (a customer-group user of the
 * stage's pool, its credentials from the environment) signs in against Cognito with USER_PASSWORD_AUTH (and a TOTP
 * code when enrolled), and pays with Stripe's test card `pm_card_visa` through the Stripe API with a test secret key;
 * Stripe then sends the stage its webhook. A live key (sk_live_/rk_live_) is refused: a smoke test never takes money.
 */
export function stageTarget(apiUrl: string, env: Readonly<Record<string, string | undefined>>, options: { pays?: boolean } = {}): PurchaseTarget {
  const pays = options.pays ?? true;
  const read = (name: string) => (env[name] ?? '').trim() || undefined;
  const needed = [STAGE_SMOKE_ENV.username, STAGE_SMOKE_ENV.password, STAGE_SMOKE_ENV.clientId, ...(pays ? [STAGE_SMOKE_ENV.stripeKey] : [])];
  const missing = needed.filter((n) => !read(n));
  if (missing.length > 0) throw new SmokeConfigurationError(`set ${missing.join(', ')} to run the smoke test against ${apiUrl}`);
  const stripeKey = read(STAGE_SMOKE_ENV.stripeKey) ?? '';
  if (pays && !/^(sk|rk)_test_/.test(stripeKey)) {
    throw new SmokeConfigurationError(
      /^(sk|rk)_live_/.test(stripeKey)
        ? `${STAGE_SMOKE_ENV.stripeKey} is a live Stripe key: the smoke test runs in Stripe test mode only (sk_test_ or rk_test_)`
        : `${STAGE_SMOKE_ENV.stripeKey} is not a Stripe test secret key (sk_test_ or rk_test_)`,
    );
  }
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    throw new SmokeConfigurationError(`--api-url ${JSON.stringify(apiUrl)} is not a URL`);
  }
  // https://<id>.execute-api.<region>.amazonaws.com/<stage>: the pool is in the API's region unless told otherwise.
  const region = read(STAGE_SMOKE_ENV.region) ?? /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname)?.[1] ?? read('AWS_REGION');
  if (!region) throw new SmokeConfigurationError(`set ${STAGE_SMOKE_ENV.region} (the user pool's region): it cannot be read from ${url.host}`);
  const customer: SignInUser = {
    username: read(STAGE_SMOKE_ENV.username) as string,
    password: read(STAGE_SMOKE_ENV.password) as string,
    ...(read(STAGE_SMOKE_ENV.totpSecret) ? { totpSecret: read(STAGE_SMOKE_ENV.totpSecret) } : {}),
  };
  const stripe = pays ? new Stripe(stripeKey, { timeout: 20_000, maxNetworkRetries: 1 }) : undefined;
  return {
    description: `${url.origin}${url.pathname.replace(/\/$/, '')} (${pays ? 'Stripe test mode' : 'checkout then cancel, nothing paid'})`,
    apiUrl,
    signIn: () => signIn({ region }, read(STAGE_SMOKE_ENV.clientId) as string, customer),
    pay: (paymentIntentId) => {
      if (!stripe) throw new PurchaseStepError('this target cancels its checkout and never pays');
      return confirmPayment(stripe, paymentIntentId, { payment_method: 'pm_card_visa', return_url: 'https://example.com/stockade-smoke' });
    },
  };
}

async function signIn(config: ConstructorParameters<typeof CognitoIdentityProviderClient>[0], clientId: string, user: SignInUser): Promise<string> {
  const client = new CognitoIdentityProviderClient({ ...config, maxAttempts: 2 });
  try {
    return (await signInWithPassword(client, clientId, user)).AccessToken;
  } catch (error) {
    // signInWithPassword names the user in its own errors; a smoke report names no one.
    if (error instanceof Error && error.name === 'Error') throw new PurchaseStepError(error.message.replaceAll(user.username, 'the customer'));
    throw error;
  } finally {
    client.destroy();
  }
}

async function confirmPayment(stripe: Stripe, paymentIntentId: string, params: Stripe.PaymentIntentConfirmParams): Promise<string> {
  return (await stripe.paymentIntents.confirm(paymentIntentId, params)).status;
}
