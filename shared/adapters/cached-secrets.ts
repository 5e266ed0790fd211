import { ENV } from '../config/env-names';
import { getSecret, SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { integerEnv } from '../config/env';

/** How a cached secret is read. */
export interface CachedSecretOptions {
  /**
   * Seconds a value is reused before Secrets Manager is asked again: how long a rotated value takes to reach a warm
   * function.
   * @default the POWERTOOLS_PARAMETERS_MAX_AGE environment variable (the stage's `payments.secretCacheSeconds`), else 60
   */
  readonly maxAge?: number;
  /**
   * Read through this client, with a cache of this reader's own (tests point it at the local stand-in).
   * @default Powertools' shared provider and client, whose cache every reader in the function shares
   */
  readonly client?: SecretsManagerClient;
}

const DEFAULT_CACHE_SECONDS = 60;

/** Newest first; Stripe signs with every unexpired secret of the endpoint, so two during a roll. */
const webhookSecretsSchema = z
  .array(z.string().startsWith('whsec_', 'must be a Stripe signing secret (whsec_…)'))
  .min(1, 'must hold at least one signing secret');

/**
 * The Stripe webhook signing secrets, a JSON array of `whsec_…` strings, read through a cache with a TTL so a
 * rotation needs no redeploy. Call once per cold start; the returned loader is what `StripeWebhookVerifier` takes.
 * A malformed value fails the read with a message naming the secret, never quoting it.
 */
export function stripeWebhookSecrets(secretArn: string, options: CachedSecretOptions = {}): () => Promise<readonly string[]> {
  const read = cachedSecretString(secretArn, options);
  return async () => {
    const raw = await read();
    const problem = `The Stripe webhook secret ${secretArn} must be a JSON array of signing secrets, newest first (["whsec_…"])`;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      // The parser's message would quote the value.
      throw new Error(`${problem}: it is not JSON`);
    }
    const parsed = webhookSecretsSchema.safeParse(json);
    if (!parsed.success)
      throw new Error(`${problem}: ${parsed.error.issues.map((i) => `${i.path.length > 0 ? `[${i.path.join('.')}] ` : ''}${i.message}`).join('; ')}`);
    return parsed.data;
  };
}

/**
 * The Stripe API key (`sk_…` or a restricted `rk_…`), read through a cache with a TTL so a rolled key needs no
 * redeploy. Call once per cold start; the returned loader is what `StripePaymentGateway` takes as `apiKey`.
 */
export function stripeApiKey(secretArn: string, options: CachedSecretOptions = {}): () => Promise<string> {
  const read = cachedSecretString(secretArn, options);
  return async () => {
    const key = await read();
    if (key.length === 0) throw new Error(`The Stripe API key secret ${secretArn} is empty`);
    return key;
  };
}

/**
 * Each inventory provider's HMAC secret value (JSON `{current, previous?, rotatedAt?}`, parsed by the caller with
 * shared/domain/inventory/hmac-secrets.ts), by provider id, read through a cache with a TTL so a rotation reaches
 * warm functions without a redeploy. `secretArns` maps provider ids to secret ARNs. Call once per cold start.
 */
export function inventoryProviderSecrets(
  secretArns: Readonly<Record<string, string>>,
  options: CachedSecretOptions = {},
): (providerId: string) => Promise<string> {
  const readers = new Map(Object.entries(secretArns).map(([providerId, arn]) => [providerId, cachedSecretString(arn, options)]));
  return async (providerId) => {
    const read = readers.get(providerId);
    if (!read) throw new Error(`No HMAC secret is bound for inventory provider ${providerId}`);
    return read();
  };
}

/** A reader of one secret's string value, cached for `maxAge` seconds. */
function cachedSecretString(secretArn: string, options: CachedSecretOptions): () => Promise<string> {
  const maxAge = cacheSeconds(options.maxAge);
  const provider = options.client ? new SecretsProvider({ awsSdkV3Client: options.client }) : undefined;
  return async () => {
    const value = provider ? await provider.get(secretArn, { maxAge }) : await getSecret(secretArn, { maxAge });
    if (typeof value !== 'string') throw new Error(`The secret ${secretArn} has no string value (it is missing or binary)`);
    return value;
  };
}

function cacheSeconds(explicit: number | undefined): number {
  const seconds = explicit ?? integerEnv(ENV.POWERTOOLS_PARAMETERS_MAX_AGE, DEFAULT_CACHE_SECONDS);
  // Powertools does not cache at all for 0 or less: every request would call Secrets Manager.
  if (!Number.isSafeInteger(seconds) || seconds < 1)
    throw new Error(
      `Invalid configuration: the secret cache TTL (POWERTOOLS_PARAMETERS_MAX_AGE) must be a whole number of seconds, at least 1; got ${seconds}`,
    );
  return seconds;
}
