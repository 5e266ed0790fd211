import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { closeServer, LOOPBACK } from '../../runtime/net';
import { type PaymentIntent, type RequestContext, StripeAccount, type StripeEvent, paymentIntentOf } from './account';
import { CONTROL_PREFIX, control } from './control';
import { StripeApiError, type StripeErrorBody, invalidRequest, noSuchObject } from './errors';
import { type ArmedFault, type FaultRule, FaultPlan, type StripeFault, faultBody } from './faults';
import { Parameters, canonicalParameters, parseForm } from './form';
import { type IdempotencyDecision, IdempotencyKeys } from './idempotency';
import { stripeId } from './ids';
import { DEFAULT_WEBHOOK_RETRY, type WebhookDelivery, WebhookDispatcher, type WebhookRetryPolicy } from './webhooks';

export type { ArmedFault, FaultRule, StripeFault } from './faults';
export type { PaymentIntent, StripeEvent } from './account';
export type { ControlFaultRule } from './control';
export { TEST_PAYMENT_METHODS } from './account';
export type { WebhookDelivery, WebhookRetryPolicy } from './webhooks';
export { stripeSignatureHeader } from './webhooks';

/** The account's keys and its one webhook endpoint; the runtime may set them before or after start(). */
export interface StripeAccountConfig {
  /** The secret key every request must carry (`Authorization: Bearer sk_test_…`). */
  readonly apiKey: string;
  /** The endpoint's signing secrets (`whsec_…`). Deliveries carry one v1 signature per secret, as during a Stripe secret roll. */
  readonly webhookSecrets: readonly string[];
  /** Where events are POSTed. Without one, events are recorded and listed but not delivered. */
  readonly webhookUrl?: string;
  /** Event types the endpoint receives. @default ['*'] (every type) */
  readonly enabledEvents?: readonly string[];
}

export interface StripeStandInOptions extends Partial<StripeAccountConfig> {
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default 5 attempts, 0.5 s first backoff doubling to at most 8 s, 10 s per attempt */
  readonly webhookRetry?: Partial<WebhookRetryPolicy>;
  /** The account's API version: events are rendered in it. @default the installed SDK's Stripe.API_VERSION */
  readonly apiVersion?: string;
  /** How long an idempotency key keeps its response. @default 24 h */
  readonly idempotencyTtlMs?: number;
  /** The clock, in epoch milliseconds (tests move it to expire idempotency keys). @default Date.now */
  readonly now?: () => number;
}

/** One API request as the stand-in answered it. */
export interface ApiRequestRecord {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  readonly idempotencyKey?: string;
  /** The HTTP status sent, or how an injected fault ended the request without one. */
  readonly status: number | 'reset' | 'hang';
  readonly replayed: boolean;
  readonly fault?: StripeFault['kind'];
}

interface Outgoing {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string>;
}

type Operation = (params: Parameters, ctx: RequestContext, id: string) => unknown;
interface Route {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly pattern: RegExp;
  readonly run: Operation;
}

const MAX_BODY_BYTES = 1024 * 1024;
/** The request log keeps the latest requests only, so a long `npm start` session does not grow without bound. */
const MAX_LOGGED_REQUESTS = 1000;
const ID = '([^/]+)';

/**
 * A Stripe stand-in: enough of Stripe's v1 REST API for the official SDK to work unchanged against
 * `new Stripe(apiKey, { host: '127.0.0.1', port, protocol: 'http' })`. PaymentIntents (create, retrieve, update,
 * list, confirm with Stripe's test PaymentMethods, capture, cancel), charges, refunds (create, retrieve, list) and
 * events; lists page with Stripe's cursors and filter by `created` ranges, as reconciliation reads them; Stripe's form
 * encoding, error shapes and idempotency rules; signed webhook delivery with retries, and re-delivery of a past event
 * (redeliver) to test receivers against duplicates. In memory, on loopback.
 * Failures can be injected (injectFault) to exercise the SDK's retries. Because the runtime runs the stand-in inside
 * its own process, a control API under `/_stand-in/` on the same port (see ./control.ts) lets tests and tools
 * elsewhere arm faults, resend events and read the request log.
 */
export class StripeStandIn {
  readonly name = 'Stripe';
  private server?: Server;
  private listeningPort = 0;
  private stopped = false;
  private config: StripeAccountConfig;
  private readonly account: StripeAccount;
  private readonly idempotency: IdempotencyKeys;
  private readonly webhooks: WebhookDispatcher;
  private readonly faults = new FaultPlan();
  private readonly pauses = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  private readonly requestLog: ApiRequestRecord[] = [];
  private readonly apiVersion: string;
  private readonly now: () => number;
  private readonly routes: readonly Route[];

  constructor(private readonly options: StripeStandInOptions = {}) {
    this.now = options.now ?? Date.now;
    this.apiVersion = options.apiVersion ?? Stripe.API_VERSION;
    this.config = { apiKey: '', webhookSecrets: [] };
    this.configure(options);
    this.account = new StripeAccount(this.now, (event, paymentIntentId) => this.publish(event, paymentIntentId));
    this.idempotency = new IdempotencyKeys(options.idempotencyTtlMs ?? 24 * 60 * 60 * 1000, this.now);
    this.webhooks = new WebhookDispatcher(
      { ...DEFAULT_WEBHOOK_RETRY, ...options.webhookRetry },
      () => this.config.webhookSecrets,
      this.now,
      (job, delivered) => {
        // Stripe counts an endpoint as pending until it acknowledged the event, also after the last attempt failed.
        const event = this.account.event(job.eventId);
        if (event && delivered) event.pending_webhooks = 0;
      },
    );
    const a = this.account;
    this.routes = [
      { method: 'POST', pattern: /^\/v1\/payment_intents$/, run: (p, ctx) => a.createPaymentIntent(p, ctx) },
      { method: 'GET', pattern: /^\/v1\/payment_intents$/, run: (p) => a.listPaymentIntents(p) },
      { method: 'GET', pattern: new RegExp(`^/v1/payment_intents/${ID}$`), run: (p, _ctx, id) => a.retrievePaymentIntent(id, p) },
      { method: 'POST', pattern: new RegExp(`^/v1/payment_intents/${ID}$`), run: (p, _ctx, id) => a.updatePaymentIntent(id, p) },
      { method: 'POST', pattern: new RegExp(`^/v1/payment_intents/${ID}/confirm$`), run: (p, ctx, id) => a.confirmPaymentIntent(id, p, ctx) },
      { method: 'POST', pattern: new RegExp(`^/v1/payment_intents/${ID}/capture$`), run: (p, ctx, id) => a.capturePaymentIntent(id, p, ctx) },
      { method: 'POST', pattern: new RegExp(`^/v1/payment_intents/${ID}/cancel$`), run: (p, ctx, id) => a.cancelPaymentIntent(id, p, ctx) },
      { method: 'GET', pattern: new RegExp(`^/v1/charges/${ID}$`), run: (p, _ctx, id) => a.retrieveCharge(id, p) },
      { method: 'GET', pattern: new RegExp(`^/v1/payment_methods/${ID}$`), run: (p, _ctx, id) => a.retrievePaymentMethod(id, p) },
      { method: 'POST', pattern: /^\/v1\/refunds$/, run: (p, ctx) => a.createRefund(p, ctx) },
      { method: 'GET', pattern: /^\/v1\/refunds$/, run: (p) => a.listRefunds(p) },
      { method: 'GET', pattern: new RegExp(`^/v1/refunds/${ID}$`), run: (p, _ctx, id) => a.retrieveRefund(id, p) },
      { method: 'POST', pattern: /^\/v1\/customers$/, run: (p) => a.createCustomer(p) },
      { method: 'GET', pattern: /^\/v1\/customers$/, run: (p) => a.listCustomers(p) },
      { method: 'GET', pattern: new RegExp(`^/v1/customers/${ID}$`), run: (p, _ctx, id) => a.retrieveCustomer(id, p) },
      { method: 'DELETE', pattern: new RegExp(`^/v1/customers/${ID}$`), run: (p, _ctx, id) => a.deleteCustomer(id, p) },
      { method: 'GET', pattern: /^\/v1\/events$/, run: (p) => a.listEvents(p) },
      { method: 'GET', pattern: new RegExp(`^/v1/events/${ID}$`), run: (p, _ctx, id) => a.retrieveEvent(id, p) },
    ];
  }

  /** Sets the API key, webhook secrets, URL or enabled events; what is not given stays as it was. */
  configure(config: Partial<StripeAccountConfig>): void {
    const next: StripeAccountConfig = {
      apiKey: config.apiKey ?? this.config.apiKey,
      webhookSecrets: [...(config.webhookSecrets ?? this.config.webhookSecrets)],
      webhookUrl: 'webhookUrl' in config ? config.webhookUrl : this.config.webhookUrl,
      enabledEvents: [...(config.enabledEvents ?? this.config.enabledEvents ?? ['*'])],
    };
    if (next.webhookUrl !== undefined) {
      const url = new URL(next.webhookUrl);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`The webhook URL must be http(s), not ${url.protocol}`);
      if (next.webhookSecrets.length === 0) throw new Error('A webhook URL needs at least one signing secret (webhookSecrets)');
    }
    this.config = next;
  }

  get port(): number {
    return this.listeningPort;
  }

  get endpoint(): string {
    return `http://${LOOPBACK}:${this.listeningPort}`;
  }

  /** What `new Stripe(apiKey, clientConfig())` needs, and what endpoints.json publishes (with the key and secret). */
  clientConfig(): { host: string; port: number; protocol: 'http' } {
    return { host: LOOPBACK, port: this.listeningPort, protocol: 'http' };
  }

  async start(): Promise<void> {
    if (this.server || this.stopped) throw new Error('A Stripe stand-in starts once; make a new one after stop()');
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, LOOPBACK, () => resolve());
    });
    this.server = server;
    this.listeningPort = (server.address() as AddressInfo).port;
  }

  /** Closes every connection (hung ones included), cancels webhook retries and injected delays: no timer is left. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.webhooks.stop();
    for (const pause of this.pauses) {
      clearTimeout(pause.timer);
      pause.wake();
    }
    this.pauses.clear();
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }

  describe(): string[] {
    const webhook = this.config.webhookUrl ? `webhooks -> ${this.config.webhookUrl}` : 'no webhook endpoint yet';
    return [`${this.name.padEnd(16)} ${this.endpoint}  (stand-in: PaymentIntents, refunds, events; ${webhook}; control API ${CONTROL_PREFIX})`];
  }

  /** Makes the next `times` requests matching `method` and `path` fail as `fault` says. */
  injectFault(rule: FaultRule): ArmedFault {
    return this.faults.arm(rule);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** The latest API requests (up to 1000), oldest first: what the SDK really sent, its retries included. */
  requests(): readonly ApiRequestRecord[] {
    return [...this.requestLog];
  }

  /**
   * Sends an existing event to the webhook endpoint again, as the dashboard's "Resend" does: the same event id and
   * body, signed afresh when it goes out, queued behind deliveries of the same PaymentIntent still in progress. For
   * receivers that must treat a duplicate as already handled, and to recover an event whose retries ran out.
   * Throws for an unknown event (404) and when there is no endpoint that receives its type (409).
   */
  redeliver(eventId: string): void {
    const event = this.account.event(eventId);
    if (!event) throw noSuchObject('event', eventId, 'id');
    const { webhookUrl, enabledEvents = ['*'] } = this.config;
    if (!webhookUrl)
      throw new StripeApiError(409, {
        type: 'invalid_request_error',
        message: `Cannot resend ${eventId}: the stand-in has no webhook endpoint (webhookUrl) yet.`,
      });
    if (!receives(enabledEvents, event.type)) {
      throw new StripeApiError(409, {
        type: 'invalid_request_error',
        message: `Cannot resend ${eventId}: the webhook endpoint does not receive ${event.type} events.`,
      });
    }
    this.deliver(event, paymentIntentOf(event), webhookUrl);
  }

  /** Every webhook delivery attempt so far, oldest first. */
  deliveries(): readonly WebhookDelivery[] {
    return this.webhooks.deliveries();
  }

  /** Resolves once every event queued for the webhook endpoint was delivered or given up. */
  webhooksSettled(): Promise<void> {
    return this.webhooks.idle();
  }

  /** Every PaymentIntent, oldest first (copies). */
  paymentIntents(): PaymentIntent[] {
    return this.account.allPaymentIntents();
  }

  /** Every event, oldest first (copies). */
  events(): StripeEvent[] {
    return this.account.allEvents();
  }

  private publish(event: StripeEvent, paymentIntentId: string): void {
    const { webhookUrl, enabledEvents = ['*'] } = this.config;
    if (!webhookUrl || !receives(enabledEvents, event.type)) return;
    event.pending_webhooks = 1;
    this.deliver(event, paymentIntentId, webhookUrl);
  }

  private deliver(event: StripeEvent, paymentIntentId: string, url: string): void {
    // Pretty-printed, as Stripe sends it: receivers must verify the raw bytes, not a re-serialisation.
    const payload = JSON.stringify(event, null, 2);
    this.webhooks.enqueue({ eventId: event.id, eventType: event.type, orderingKey: paymentIntentId, url, payload });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = stripeId('req');
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', this.endpoint);
    if (url.pathname.startsWith(CONTROL_PREFIX)) return this.handleControl(req, res, method, url.pathname, requestId);
    // Stripe ignores Idempotency-Key on GET and DELETE, which cannot change anything.
    const idempotencyKey = method === 'POST' ? header(req, 'idempotency-key') : undefined;
    const record = (status: ApiRequestRecord['status'], fault?: StripeFault, replayed = false) => {
      this.requestLog.push({
        requestId,
        method,
        path: url.pathname,
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
        status,
        replayed,
        ...(fault ? { fault: fault.kind } : {}),
      });
      if (this.requestLog.length > MAX_LOGGED_REQUESTS) this.requestLog.shift();
    };
    let out: Outgoing;
    let fault: StripeFault | undefined;
    try {
      const body = await readBody(req);
      fault = this.faults.take(method, url.pathname);
      if (fault && fault.kind !== 'delay' && (fault.when ?? 'before') === 'before') {
        record(this.playFault(fault, req, res, requestId), fault);
        return;
      }
      out = await this.respond(req, method, url, body, requestId, idempotencyKey, fault?.kind === 'delay' ? fault.ms : 0);
      if (fault && fault.kind !== 'delay') {
        record(this.playFault(fault, req, res, requestId), fault);
        return;
      }
    } catch (error) {
      out = this.errorResponse(error, requestId);
    }
    record(out.status, fault, out.headers['Idempotent-Replayed'] === 'true');
    send(res, out);
  }

  /** The control API (./control.ts): the same key as the API, but no request log, faults or idempotency. */
  private async handleControl(req: IncomingMessage, res: ServerResponse, method: string, path: string, requestId: string): Promise<void> {
    let out: Outgoing;
    try {
      const body = await readBody(req);
      this.authenticate(req);
      const answer = control(this, method, path, body);
      out = { status: answer.status, body: answer.body === undefined ? '' : JSON.stringify(answer.body, null, 2), headers: { 'Request-Id': requestId } };
    } catch (error) {
      out = this.errorResponse(error, requestId);
    }
    send(res, out);
  }

  private async respond(
    req: IncomingMessage,
    method: string,
    url: URL,
    body: string,
    requestId: string,
    idempotencyKey: string | undefined,
    delayMs: number,
  ): Promise<Outgoing> {
    const apiVersion = header(req, 'stripe-version') ?? this.apiVersion;
    const headers: Record<string, string> = { 'Request-Id': requestId, 'Stripe-Version': apiVersion };
    if (idempotencyKey !== undefined) headers['Idempotency-Key'] = idempotencyKey;
    let decision: IdempotencyDecision | undefined;
    try {
      this.authenticate(req);
      const [route, id] = this.route(method, url.pathname);
      const params = parseForm(method === 'POST' ? body : url.search.slice(1));
      if (method === 'POST' && body.length > 0 && !/^application\/x-www-form-urlencoded\b/i.test(header(req, 'content-type') ?? '')) {
        throw invalidRequest('Invalid request: Stripe v1 API bodies are application/x-www-form-urlencoded.');
      }
      if (idempotencyKey !== undefined) {
        decision = this.idempotency.begin(this.config.apiKey, idempotencyKey, `${method} ${url.pathname}`, canonicalParameters(params));
        if (decision.kind === 'replay') {
          const saved = decision.response;
          decision = undefined;
          return { status: saved.status, body: saved.body, headers: { ...headers, 'Idempotent-Replayed': 'true', 'Original-Request': saved.requestId } };
        }
      }
      if (delayMs > 0) await this.pause(delayMs);
      if (this.stopped) throw new StripeApiError(503, { type: 'api_error', message: 'The Stripe stand-in stopped.' });
      const ctx: RequestContext = { requestId, idempotencyKey: idempotencyKey ?? null, apiVersion: this.apiVersion };
      const result = { status: 200, body: JSON.stringify(route.run(new Parameters(params), ctx, id), null, 2), headers };
      if (decision?.kind === 'execute') decision.save({ status: result.status, body: result.body, requestId });
      return result;
    } catch (error) {
      const out = this.errorResponse(error, requestId);
      if (decision?.kind === 'execute') {
        if (error instanceof StripeApiError && error.executed) decision.save({ status: out.status, body: out.body, requestId });
        else decision.release();
      }
      return { ...out, headers: { ...headers, ...out.headers } };
    }
  }

  private authenticate(req: IncomingMessage): void {
    const authorization = header(req, 'authorization') ?? '';
    const [scheme = '', credentials = ''] = authorization.split(' ', 2);
    // Stripe takes the key as a Bearer token or as the user name of Basic auth (curl -u sk_test_…:).
    const key = /^bearer$/i.test(scheme)
      ? credentials
      : /^basic$/i.test(scheme)
        ? (Buffer.from(credentials, 'base64').toString('utf8').split(':')[0] ?? '')
        : '';
    if (!key) {
      throw new StripeApiError(
        401,
        {
          type: 'invalid_request_error',
          message:
            "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
        },
        false,
        { 'WWW-Authenticate': 'Basic realm="Stripe"' },
      );
    }
    if (!this.config.apiKey || key !== this.config.apiKey) {
      throw new StripeApiError(401, { type: 'invalid_request_error', code: 'api_key_invalid', message: `Invalid API Key provided: ${redact(key)}` }, false, {
        'WWW-Authenticate': 'Basic realm="Stripe"',
      });
    }
  }

  private route(method: string, path: string): [Route, string] {
    for (const route of this.routes) {
      const match = route.method === method ? route.pattern.exec(path) : null;
      if (match) return [route, decodeId(match[1])];
    }
    throw new StripeApiError(404, {
      type: 'invalid_request_error',
      message: `Unrecognized request URL (${method}: ${path}). The Stripe stand-in plays PaymentIntents, charges, PaymentMethods, refunds and events only.`,
    });
  }

  private errorResponse(error: unknown, requestId: string): Outgoing {
    if (error instanceof StripeApiError) {
      return { status: error.status, body: JSON.stringify({ error: error.body }, null, 2), headers: { 'Request-Id': requestId, ...error.headers } };
    }
    console.error('[stripe stand-in]', error);
    const body: StripeErrorBody = { type: 'api_error', message: 'An unknown error occurred in the Stripe stand-in.' };
    return { status: 500, body: JSON.stringify({ error: body }, null, 2), headers: { 'Request-Id': requestId } };
  }

  /** Plays a fault instead of the answer; returns what the request log records for it. */
  private playFault(fault: Exclude<StripeFault, { kind: 'delay' }>, req: IncomingMessage, res: ServerResponse, requestId: string): ApiRequestRecord['status'] {
    switch (fault.kind) {
      case 'reset':
        req.socket.destroy();
        return 'reset';
      case 'hang':
        // No answer: the client's timeout ends it, or stop() closes the connection.
        return 'hang';
      case 'error': {
        const body = JSON.stringify({ error: faultBody(fault.status) }, null, 2);
        res.writeHead(fault.status, {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
          'Request-Id': requestId,
          ...(fault.shouldRetry === undefined ? {} : { 'Stripe-Should-Retry': String(fault.shouldRetry) }),
        });
        res.end(body);
        return fault.status;
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const pause = {
        timer: setTimeout(() => {
          this.pauses.delete(pause);
          resolve();
        }, ms),
        wake: resolve,
      };
      this.pauses.add(pause);
    });
  }
}

function send(res: ServerResponse, out: Outgoing): void {
  if (res.writableEnded || res.destroyed) return;
  // A 204 carries no body, so neither a type nor a length (RFC 9110 forbids Content-Length on it).
  const content = out.status === 204 ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(out.body) };
  res.writeHead(out.status, { ...content, 'Cache-Control': 'no-cache, no-store', ...out.headers });
  res.end(out.body);
}

function receives(enabledEvents: readonly string[], type: string): boolean {
  return enabledEvents.includes('*') || enabledEvents.includes(type);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function decodeId(raw: string | undefined): string {
  try {
    return decodeURIComponent(raw ?? '');
  } catch {
    throw invalidRequest('Invalid id in the request URL');
  }
}

/** Stripe shows a rejected key with all but its last four characters masked. */
function redact(key: string): string {
  const prefix = /^(sk|rk|pk)_(test|live)_/.exec(key)?.[0] ?? '';
  return `${prefix}${'*'.repeat(Math.max(0, key.length - prefix.length - 4))}${key.slice(-4)}`;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new StripeApiError(413, { type: 'invalid_request_error', message: `Request bodies are limited to ${MAX_BODY_BYTES} bytes.` });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
