import { createHmac } from 'node:crypto';
import { type ClientRequest, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * Stripe's `Stripe-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<payload>">`, one v1 entry per
 * secret. Stripe signs with every unexpired secret of an endpoint while a rolled secret overlaps the new one, and a
 * receiver accepts the delivery when any v1 matches a secret it holds.
 */
export function stripeSignatureHeader(payload: string, secrets: readonly string[], timestamp: number): string {
  const signatures = secrets.map((secret) => `v1=${createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex')}`);
  return [`t=${timestamp}`, ...signatures].join(',');
}

/** How deliveries are retried. Stripe retries for three days; a laptop needs seconds. */
export interface WebhookRetryPolicy {
  /** Attempts per event, the first included. @default 5 */
  readonly maxAttempts: number;
  /** Wait before the second attempt; doubles after each failure. @default 500 */
  readonly initialDelayMs: number;
  /** @default 8000 */
  readonly maxDelayMs: number;
  /** An attempt that has not answered by then fails. @default 10000 */
  readonly timeoutMs: number;
}

export const DEFAULT_WEBHOOK_RETRY: WebhookRetryPolicy = { maxAttempts: 5, initialDelayMs: 500, maxDelayMs: 8000, timeoutMs: 10_000 };

/** One delivery attempt and what came of it. */
export interface WebhookDelivery {
  readonly eventId: string;
  readonly eventType: string;
  readonly url: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Epoch milliseconds when the attempt started. */
  readonly at: number;
  readonly durationMs: number;
  /** The receiver's HTTP status, when it answered. */
  readonly status?: number;
  /** The first 500 characters of the receiver's answer (what Stripe's dashboard shows). */
  readonly responseBody?: string;
  /** Why no answer came: connection refused, timeout, … */
  readonly error?: string;
  /** `delivered` (2xx), `retrying` (another attempt is scheduled) or `failed` (no attempts left, or stopped). */
  readonly outcome: 'delivered' | 'retrying' | 'failed';
}

export interface WebhookJob {
  readonly eventId: string;
  readonly eventType: string;
  /** Deliveries with the same key go one after another, in the order they were queued (one PaymentIntent's events). */
  readonly orderingKey: string;
  readonly url: string;
  readonly payload: string;
}

interface Sleeper {
  readonly timer: NodeJS.Timeout;
  readonly wake: () => void;
}

/**
 * Sends events to the webhook endpoint outside the API request that caused them, signed afresh on each attempt,
 * retrying non-2xx answers and connection errors with exponential backoff. Events of one PaymentIntent are sent in
 * order (the next waits until the previous was delivered or given up); different PaymentIntents go in parallel.
 * stop() cancels pending retries and aborts attempts in flight, leaving no timers or sockets behind.
 */
export class WebhookDispatcher {
  private readonly queues = new Map<string, WebhookJob[]>();
  private readonly log: WebhookDelivery[] = [];
  private readonly sleepers = new Set<Sleeper>();
  private readonly inFlight = new Set<ClientRequest>();
  private idleWaiters: Array<() => void> = [];
  private stopped = false;

  constructor(
    private readonly policy: WebhookRetryPolicy,
    /** The secrets to sign with, read at each attempt so a rotation applies to retries too. */
    private readonly secrets: () => readonly string[],
    private readonly now: () => number,
    /** Called once per job when it was delivered or given up. */
    private readonly settled: (job: WebhookJob, delivered: boolean) => void,
  ) {}

  enqueue(job: WebhookJob): void {
    if (this.stopped) return;
    const queue = this.queues.get(job.orderingKey);
    if (queue) {
      queue.push(job);
      return;
    }
    this.queues.set(job.orderingKey, [job]);
    // Never inside the API request that produced the event: the first attempt starts on a later turn.
    setImmediate(() => void this.drain(job.orderingKey));
  }

  deliveries(): readonly WebhookDelivery[] {
    return [...this.log];
  }

  get pending(): number {
    let n = 0;
    for (const queue of this.queues.values()) n += queue.length;
    return n;
  }

  /** Resolves when every queued event has been delivered or given up (or the dispatcher stopped). */
  idle(): Promise<void> {
    if (this.queues.size === 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    for (const sleeper of this.sleepers) {
      clearTimeout(sleeper.timer);
      sleeper.wake();
    }
    this.sleepers.clear();
    for (const req of this.inFlight) req.destroy(new Error('the Stripe stand-in stopped'));
    this.inFlight.clear();
    this.queues.clear();
    this.notifyIdle();
  }

  private async drain(key: string): Promise<void> {
    const queue = this.queues.get(key);
    while (queue && queue.length > 0 && !this.stopped) {
      const job = queue[0] as WebhookJob;
      const delivered = await this.deliver(job);
      queue.shift();
      if (!this.stopped) this.settled(job, delivered);
    }
    if (this.queues.get(key) === queue) this.queues.delete(key);
    if (this.queues.size === 0) this.notifyIdle();
  }

  private async deliver(job: WebhookJob): Promise<boolean> {
    for (let attempt = 1; attempt <= this.policy.maxAttempts && !this.stopped; attempt++) {
      const at = this.now();
      const started = performance.now();
      const result = await this.post(job);
      const delivered = result.status !== undefined && result.status >= 200 && result.status < 300;
      const last = attempt === this.policy.maxAttempts || this.stopped;
      this.log.push({
        eventId: job.eventId,
        eventType: job.eventType,
        url: job.url,
        attempt,
        at,
        durationMs: Math.round(performance.now() - started),
        ...result,
        outcome: delivered ? 'delivered' : last ? 'failed' : 'retrying',
      });
      if (delivered) return true;
      if (!last) await this.sleep(Math.min(this.policy.initialDelayMs * 2 ** (attempt - 1), this.policy.maxDelayMs));
    }
    return false;
  }

  private post(job: WebhookJob): Promise<{ status?: number; responseBody?: string; error?: string }> {
    const url = new URL(job.url);
    const signature = stripeSignatureHeader(job.payload, this.secrets(), Math.floor(this.now() / 1000));
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      const req = send(url, {
        method: 'POST',
        // A fresh connection per attempt: no keep-alive socket outlives stop().
        agent: false,
        timeout: this.policy.timeoutMs,
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          'Content-Length': Buffer.byteLength(job.payload),
          'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          'Cache-Control': 'no-cache',
          Accept: '*/*; q=0.5, application/xml',
          'Stripe-Signature': signature,
        },
      });
      this.inFlight.add(req);
      const done = (outcome: { status?: number; responseBody?: string; error?: string }) => {
        this.inFlight.delete(req);
        resolve(outcome);
      };
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.policy.timeoutMs} ms`)));
      req.on('error', (error) => done({ error: error.message }));
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (text.length < 500) text += chunk;
        });
        res.on('end', () => done({ status: res.statusCode, ...(text ? { responseBody: text.slice(0, 500) } : {}) }));
        res.on('error', (error) => done({ status: res.statusCode, error: error.message }));
        res.on('close', () => done({ status: res.statusCode }));
      });
      req.end(job.payload);
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const sleeper: Sleeper = {
        timer: setTimeout(() => {
          this.sleepers.delete(sleeper);
          resolve();
        }, ms),
        wake: resolve,
      };
      this.sleepers.add(sleeper);
    });
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
