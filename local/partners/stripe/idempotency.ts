import { StripeApiError } from './errors';

/** A response as it went out, kept to be replayed byte for byte. */
export interface SavedResponse {
  readonly status: number;
  readonly body: string;
  readonly requestId: string;
}

interface Entry {
  readonly endpoint: string;
  readonly parameters: string;
  readonly savedAt: number;
  response?: SavedResponse;
}

/** What to do with a request that carries an Idempotency-Key. */
export type IdempotencyDecision =
  { readonly kind: 'replay'; readonly response: SavedResponse } | { readonly kind: 'execute'; save(response: SavedResponse): void; release(): void };

/**
 * Stripe's idempotency rules: a key is scoped to the API key; the first request that starts executing owns it for
 * `ttlMs` (24 h); the same endpoint and parameters get the saved response back, anything else is an
 * `idempotency_error`; a second request while the first is still running gets 409 `idempotency_key_in_use`.
 * Requests that fail validation save nothing, so a corrected retry may reuse the key.
 */
export class IdempotencyKeys {
  // Insertion order is age order, so expired keys are always at the front.
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  get size(): number {
    this.expire();
    return this.entries.size;
  }

  begin(scope: string, key: string, endpoint: string, parameters: string): IdempotencyDecision {
    this.expire();
    if (key.length > 255) throw new StripeApiError(400, { type: 'invalid_request_error', message: 'Idempotency-Key must be at most 255 characters long.' });
    const id = `${scope}\u0000${key}`;
    const entry = this.entries.get(id);
    if (entry) {
      if (!entry.response) {
        throw new StripeApiError(409, {
          type: 'invalid_request_error',
          code: 'idempotency_key_in_use',
          message: `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${key}. Please try again later.`,
        });
      }
      if (entry.endpoint !== endpoint) {
        throw mismatch(
          `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${entry.endpoint}' vs '${endpoint}'). Try using a key other than '${key}' if you meant to execute a different request.`,
        );
      }
      if (entry.parameters !== parameters) {
        throw mismatch(
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        );
      }
      return { kind: 'replay', response: entry.response };
    }
    const pending: Entry = { endpoint, parameters, savedAt: this.now() };
    this.entries.set(id, pending);
    return {
      kind: 'execute',
      save: (response) => {
        pending.response = response;
      },
      release: () => {
        if (this.entries.get(id) === pending && !pending.response) this.entries.delete(id);
      },
    };
  }

  private expire(): void {
    const oldest = this.now() - this.ttlMs;
    for (const [id, entry] of this.entries) {
      if (entry.savedAt > oldest) break;
      if (entry.response) this.entries.delete(id);
    }
  }
}

function mismatch(message: string): StripeApiError {
  return new StripeApiError(400, { type: 'idempotency_error', message });
}
