/**
 * Failures the stand-in can play on purpose, so tests can drive the real SDK's retries and the idempotency rules:
 * - `error`: answer `status` with Stripe's body for it (500 api_error, 429 rate_limit, …). `shouldRetry` sets the
 *   `Stripe-Should-Retry` header, which the SDK obeys over its own rules (it retries 409 and 5xx, never 429 without it).
 * - `reset`: close the connection without an answer.
 * - `hang`: never answer; the client gives up at its own timeout (the socket is closed by stop()).
 * - `delay`: answer normally after `ms`, holding the idempotency key meanwhile (a concurrent duplicate gets 409).
 * `when: 'before'` (the default) fails before anything happens, as a refusing load balancer would; `'after'` fails once
 * the request has taken effect and its response is saved under its idempotency key, as a connection lost on the way
 * back would: the SDK's retry with the same key must then get the saved response, not a second object.
 */
export type StripeFault =
  | { readonly kind: 'error'; readonly status: number; readonly when?: 'before' | 'after'; readonly shouldRetry?: boolean }
  | { readonly kind: 'reset'; readonly when?: 'before' | 'after' }
  | { readonly kind: 'hang'; readonly when?: 'before' | 'after' }
  | { readonly kind: 'delay'; readonly ms: number };

export interface FaultRule {
  /** @default any method */
  readonly method?: string;
  /** The URL path without its query, exactly (`/v1/payment_intents`) or as a pattern (`/^\/v1\/payment_intents\/[^/]+\/confirm$/`). */
  readonly path: string | RegExp;
  /** How many matching requests fail. @default 1 */
  readonly times?: number;
  readonly fault: StripeFault;
}

/** A rule once armed: its id (what the control API answers), how many failures it has left, and a way to disarm it. */
export interface ArmedFault {
  readonly id: string;
  readonly remaining: number;
  clear(): void;
}

interface Armed {
  readonly rule: FaultRule;
  remaining: number;
}

export class FaultPlan {
  private readonly rules: Armed[] = [];
  private armedSoFar = 0;

  arm(rule: FaultRule): ArmedFault {
    const times = rule.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new Error(`times must be a positive integer, not ${times}`);
    const armed: Armed = { rule, remaining: times };
    this.rules.push(armed);
    return {
      id: `fault_${++this.armedSoFar}`,
      get remaining() {
        return armed.remaining;
      },
      clear: () => {
        armed.remaining = 0;
        this.prune();
      },
    };
  }

  /** The fault for this request, if a rule matches; the first matching rule spends one of its failures. */
  take(method: string, path: string): StripeFault | undefined {
    const armed = this.rules.find((a) => a.remaining > 0 && (!a.rule.method || a.rule.method.toUpperCase() === method) && matches(a.rule.path, path));
    if (!armed) return undefined;
    armed.remaining -= 1;
    this.prune();
    return armed.rule.fault;
  }

  clear(): void {
    this.rules.length = 0;
  }

  private prune(): void {
    for (let i = this.rules.length - 1; i >= 0; i--) if ((this.rules[i] as Armed).remaining <= 0) this.rules.splice(i, 1);
  }
}

function matches(pattern: string | RegExp, path: string): boolean {
  if (typeof pattern === 'string') return pattern === path;
  pattern.lastIndex = 0; // a /g or /y pattern would otherwise remember where its last match ended
  return pattern.test(path);
}

/** Stripe's bodies for the statuses a fault can answer. */
export function faultBody(status: number): { type: string; code?: string; message: string } {
  if (status === 429) {
    return {
      type: 'invalid_request_error',
      code: 'rate_limit',
      message: 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.',
    };
  }
  if (status >= 500) return { type: 'api_error', message: 'An unknown error occurred (failure injected into the Stripe stand-in).' };
  return { type: 'invalid_request_error', message: `Failure injected into the Stripe stand-in (${status}).` };
}
