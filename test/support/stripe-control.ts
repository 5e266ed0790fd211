import type { Endpoints } from '../../local/runtime/local-runtime';
import type { ApiRequestRecord, ControlFaultRule } from '../../local/partners/stripe/stripe-stand-in';
import { CONTROL_PREFIX } from '../../local/partners/stripe/control';

export type { ApiRequestRecord, ControlFaultRule };

/** What the control API needs from endpoints.json's `stripe` section: where the stand-in listens and its secret key. */
export type StripeControlConfig = Pick<NonNullable<Endpoints['stripe']>, 'host' | 'port' | 'apiKey'>;

/**
 * Arms a fault in the runtime's Stripe stand-in, which runs in the runtime's process and so cannot be reached with
 * injectFault: the next `times` (default 1) requests matching `method` and `path` (or the RegExp source
 * `pathPattern`) fail as `fault` says. Answers the fault's id.
 */
export async function injectStripeFault(stripe: StripeControlConfig, rule: ControlFaultRule): Promise<string> {
  return ((await call(stripe, 'POST', 'faults', 201, rule)) as { id: string }).id;
}

/** Disarms every fault, spent or not; for afterEach, so one test's unspent fault cannot fail the next. */
export async function clearStripeFaults(stripe: StripeControlConfig): Promise<void> {
  await call(stripe, 'DELETE', 'faults', 204);
}

/** Sends an event to the webhook endpoint again (same id, fresh signature), as the dashboard's "Resend" does. */
export async function redeliverStripeEvent(stripe: StripeControlConfig, eventId: string): Promise<void> {
  await call(stripe, 'POST', `events/${encodeURIComponent(eventId)}/redeliver`, 202);
}

/** The stand-in's request log, oldest first: what clients really sent, their retries included. */
export async function stripeRequests(stripe: StripeControlConfig): Promise<ApiRequestRecord[]> {
  return (await call(stripe, 'GET', 'requests', 200)) as ApiRequestRecord[];
}

async function call(stripe: StripeControlConfig, method: string, path: string, expected: number, body?: unknown): Promise<unknown> {
  const res = await fetch(`http://${stripe.host}:${stripe.port}${CONTROL_PREFIX}${path}`, {
    method,
    headers: { Authorization: `Bearer ${stripe.apiKey}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status !== expected) {
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
    } catch {
      // Not JSON: the raw text says more than a parse error would.
    }
    throw new Error(`The Stripe stand-in's control API answered ${method} ${CONTROL_PREFIX}${path} with ${res.status}: ${message}`);
  }
  return text ? JSON.parse(text) : undefined;
}
