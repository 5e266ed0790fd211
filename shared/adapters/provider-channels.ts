import {
  BrokenCircuitError,
  circuitBreaker,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleAll,
  handleWhen,
  IsolatedCircuitError,
  retry,
  timeout,
  TimeoutStrategy,
  wrap,
} from 'cockatiel';
import type { ProviderSettings } from '../domain/inventory/provider-config';
import { ProviderUnavailableError } from '../domain/inventory/provider-unavailable';
import type { CircuitPosition, InventoryProviderApi, ProviderChannel, ProviderChannels, ProviderCircuitStore, StockNotification } from '../ports/inventory';

/** A provider API whose calls can be aborted (the timeout policy aborts the request it gave up on). */
export interface AbortableProviderApi {
  notify(notification: StockNotification, signal?: AbortSignal): Promise<void>;
  snapshot(cursor: string | undefined, signal?: AbortSignal): ReturnType<InventoryProviderApi['snapshot']>;
}

export interface CockatielProviderChannelsOptions {
  readonly store: ProviderCircuitStore;
  /** Each provider's API and outbound settings (timeoutMs, maxAttempts, failureThreshold, openSeconds), by id. */
  readonly providers: ReadonlyMap<string, { readonly api: AbortableProviderApi; readonly outbound: ProviderSettings['outbound'] }>;
  /** Who claims (one relay run). */
  readonly owner: string;
  /** How long a claim lasts: longer than the run can take, so only a run that died leaves one to expire. */
  readonly leaseSeconds: number;
  /** Backoff between attempts: exponential with decorrelated jitter. @default 200 ms doubling, capped at 2 s */
  readonly backoff?: { readonly initialDelay: number; readonly maxDelay: number };
}

/**
 * Providers behind cockatiel policies, one channel per provider and run: a timeout (outbound.timeoutMs, cooperative:
 * the request is aborted) inside a consecutive-failures circuit breaker (outbound.failureThreshold, half-open after
 * outbound.openSeconds) inside a retry with exponential backoff and jitter (outbound.maxAttempts attempts). The
 * breaker sees every attempt; an open breaker is not retried. Its state is claimed with the provider from the
 * store and kept there when the channel closes, so consecutive failures add up across runs and instances; when it
 * opens the store's CIRCUIT item is written (onBreak) and when it resets it is removed (onReset).
 */
export class CockatielProviderChannels implements ProviderChannels {
  constructor(private readonly options: CockatielProviderChannelsOptions) {}

  async open(providerId: string): Promise<ProviderChannel | undefined> {
    const { store, owner } = this.options;
    const provider = this.options.providers.get(providerId);
    if (!provider) throw new Error(`No inventory provider ${providerId}`);
    // Wall-clock time throughout, as cockatiel's breaker keeps it.
    const claimedAt = new Date();
    const claim = await store.claim(providerId, owner, new Date(claimedAt.getTime() + this.options.leaseSeconds * 1000), claimedAt);
    if (!claim) return undefined;
    const { outbound, api: target } = provider;
    const halfOpenAfter = outbound.openSeconds * 1000;
    const breaker = circuitBreaker(handleAll, {
      halfOpenAfter,
      breaker: new ConsecutiveBreaker(outbound.failureThreshold),
      ...(claim.breaker === undefined ? {} : { initialState: claim.breaker }),
    });
    // Store writes the breaker's events ask for, awaited before a call returns: the CIRCUIT item is there (or gone)
    // by the time the caller hears about the failure (or success) that moved the breaker.
    const writes: Array<Promise<void>> = [];
    breaker.onBreak(() => {
      const at = new Date();
      writes.push(store.opened(providerId, new Date(at.getTime() + halfOpenAfter), at));
    });
    breaker.onReset(() => writes.push(store.closed(providerId)));
    const policy = wrap(retries(outbound, this.options.backoff), breaker, timeout(outbound.timeoutMs, TimeoutStrategy.Cooperative));
    const call = async <T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> => {
      try {
        return await policy.execute(({ signal }) => fn(signal));
      } catch (error) {
        if (error instanceof Error && notRetried(error)) throw new ProviderUnavailableError(providerId);
        throw error;
      } finally {
        await Promise.all(writes.splice(0));
      }
    };
    let closed = false;
    return {
      api: {
        notify: (n) => call((signal) => target.notify(n, signal)),
        snapshot: (cursor) => call((signal) => target.snapshot(cursor, signal)),
      },
      circuit: () => position(breaker, halfOpenAfter, new Date()),
      close: async () => {
        if (closed) return;
        closed = true;
        await store.release(providerId, owner, breaker.toJSON());
      },
    };
  }
}

/**
 * A provider API with a timeout per attempt (cooperative: the request is aborted) and retries with exponential
 * backoff and jitter, without a circuit breaker: for the full sync, which must not move the relay's breaker.
 */
export function withTimeoutAndRetry(
  api: AbortableProviderApi,
  outbound: ProviderSettings['outbound'],
  backoff?: CockatielProviderChannelsOptions['backoff'],
): InventoryProviderApi {
  const policy = wrap(retries(outbound, backoff), timeout(outbound.timeoutMs, TimeoutStrategy.Cooperative));
  return {
    notify: (n) => policy.execute(({ signal }) => api.notify(n, signal)),
    snapshot: (cursor) => policy.execute(({ signal }) => api.snapshot(cursor, signal)),
  };
}

/** An open breaker refuses at once; retrying it would only wait. */
const notRetried = (e: Error) => e instanceof BrokenCircuitError || e instanceof IsolatedCircuitError;

/** outbound.maxAttempts attempts in all, exponential backoff with decorrelated jitter between them. */
function retries(outbound: ProviderSettings['outbound'], backoff: CockatielProviderChannelsOptions['backoff']) {
  return retry(
    handleWhen((e) => !notRetried(e)),
    {
      maxAttempts: outbound.maxAttempts - 1,
      backoff: new ExponentialBackoff({ initialDelay: backoff?.initialDelay ?? 200, maxDelay: backoff?.maxDelay ?? 2_000 }),
    },
  );
}

/** Open until `halfOpenAfter` has passed since it opened; then the next call is the trial (half-open). */
function position(breaker: CircuitBreakerPolicy, halfOpenAfter: number, now: Date): CircuitPosition {
  switch (breaker.state) {
    case CircuitState.Closed:
      return 'closed';
    case CircuitState.HalfOpen:
      return 'half-open';
    case CircuitState.Isolated:
      return 'open';
    case CircuitState.Open: {
      // toJSON is the documented view of when it opened.
      const { ownState } = breaker.toJSON() as { ownState: { openedAt: number } };
      return now.getTime() - ownState.openedAt < halfOpenAfter ? 'open' : 'half-open';
    }
  }
}
