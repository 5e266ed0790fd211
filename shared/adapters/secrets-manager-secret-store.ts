import { getSecret, SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from '../validation/zod';
import { integerEnv } from '../config/env';
import { ENV } from '../config/env-names';
import type { SecretStore } from '../ports/secret-store';

/** How the store reads. */
export interface SecretStoreOptions {
  /**
   * Seconds a value is reused before Secrets Manager is asked again: how long a rotated value takes to reach a warm
   * function.
   * @default the POWERTOOLS_PARAMETERS_MAX_AGE environment variable (the stage's `payments.secretCacheSeconds`), else 60
   */
  readonly maxAge?: number;
  /**
   * Read through this client, with a cache of this store's own (tests point it at the local stand-in).
   * @default Powertools' shared provider and client, whose cache every reader in the function shares
   */
  readonly client?: SecretsManagerClient;
}

const DEFAULT_CACHE_SECONDS = 60;

/**
 * The one way a function reads a secret: Secrets Manager through Powertools' cache, with one TTL for every secret of
 * the function (the stage's `payments.secretCacheSeconds`), so a rotation reaches warm functions without a redeploy.
 */
export class SecretsManagerSecretStore implements SecretStore {
  private readonly maxAge: number;
  private readonly provider: SecretsProvider | undefined;

  constructor(options: SecretStoreOptions = {}) {
    this.maxAge = cacheSeconds(options.maxAge);
    this.provider = options.client ? new SecretsProvider({ awsSdkV3Client: options.client }) : undefined;
  }

  async read(secretId: string): Promise<string> {
    const value = this.provider ? await this.provider.get(secretId, { maxAge: this.maxAge }) : await getSecret(secretId, { maxAge: this.maxAge });
    if (typeof value !== 'string') throw new Error(`The secret ${secretId} has no string value (it is missing or binary)`);
    return value;
  }
}

/** Newest first; Stripe signs with every unexpired secret of the endpoint, so two during a roll. */
const webhookSecretsSchema = z
  .array(z.string().check(z.startsWith('whsec_', 'must be a Stripe signing secret (whsec_…)')))
  .check(z.minLength(1, 'must hold at least one signing secret'));

/**
 * The Stripe webhook signing secrets, a JSON array of `whsec_…` strings. The returned loader is what
 * `StripeWebhookVerifier` takes. A malformed value fails the read with a message naming the secret, never quoting it.
 */
export function stripeWebhookSecrets(store: SecretStore, secretArn: string): () => Promise<readonly string[]> {
  return async () => {
    const raw = await store.read(secretArn);
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
 * A secret that must be a non-empty string of at least `minLength` characters (an API key, a signing key): the
 * returned loader fails, naming the secret and never quoting it, when it is shorter.
 */
export function secretText(store: SecretStore, secretArn: string, what: string, minLength = 1): () => Promise<string> {
  return async () => {
    const value = await store.read(secretArn);
    if (value.length < minLength)
      throw new Error(`The ${what} secret ${secretArn} is ${value.length === 0 ? 'empty' : `shorter than ${minLength} characters`}`);
    return value;
  };
}

/**
 * Each inventory provider's HMAC secret value (JSON `{current, previous?, rotatedAt?}`, parsed by the caller with
 * shared/domain/inventory/hmac-secrets.ts), by provider id. `secretArns` maps provider ids to secret ARNs.
 */
export function inventoryProviderSecrets(store: SecretStore, secretArns: Readonly<Record<string, string>>): (providerId: string) => Promise<string> {
  const arns = new Map(Object.entries(secretArns));
  return async (providerId) => {
    const arn = arns.get(providerId);
    if (!arn) throw new Error(`No HMAC secret is bound for inventory provider ${providerId}`);
    return store.read(arn);
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
