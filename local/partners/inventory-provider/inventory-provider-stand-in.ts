import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import * as z from '../../../shared/validation/zod';
import { acceptedInventoryHmacSecrets, parseInventoryHmacSecret } from '../../../shared/domain/inventory/hmac-secrets';
import { INVENTORY_SIGNATURE_HEADER, INVENTORY_TIMESTAMP_HEADER, verifyInventorySignature } from '../../../shared/domain/inventory/webhook-signature';
import { sendInventoryWebhook } from './inventory-webhook-sender';
import type { StockNotification } from '../../../shared/ports/inventory';
import { closeServer, LOOPBACK, listenOnLoopback, readBody } from '../../runtime/net';

/** Where the control API's paths start; provider ids never start with `_`, so they cannot collide. */
export const INVENTORY_CONTROL_PREFIX = '/_stand-in/';

/** How a provider answers its API: normally, not at all (socket destroyed), after a delay, or with HTTP 500. */
export const PROVIDER_MODES = ['up', 'down', 'slow', 'failing'] as const;
export type ProviderMode = (typeof PROVIDER_MODES)[number];

/** A line of a provider's stock, as its API and webhooks carry it. */
export interface ProviderStockLine {
  externalSku: string;
  quantity: number;
  unit?: string;
  version?: number;
}

/** A notification the provider accepted, with when it first came and how many times it was delivered. */
export interface RecordedNotification {
  readonly notification: StockNotification;
  readonly receivedAt: string;
  deliveries: number;
}

/** GET /_stand-in/<providerId>/sales. */
export interface ProviderSales {
  /** Accepted notifications, in the order they first arrived. */
  readonly notifications: RecordedNotification[];
  /** Deliveries of a notification id already recorded. */
  readonly duplicates: number;
  /** Requests to /sales refused (bad signature, or not a StockNotification). */
  readonly rejected: number;
}

/** POST /_stand-in/<providerId>/push answers what Stockade's API answered. */
export interface PushResult {
  readonly status: number;
  readonly body: unknown;
}

/** Slow mode waits at most this long: longer than any timeout worth testing, short enough not to park a request for an hour. */
const MAX_DELAY_MS = 5 * 60 * 1000;
const DEFAULT_SLOW_DELAY_MS = 5_000;
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1_000;
const MAX_BODY_BYTES = 1024 * 1024;

const text = (max?: number) => z.string().check(z.minLength(1), ...(max === undefined ? [] : [z.maxLength(max)]));

const stockLineSchema = z.strictObject({
  externalSku: text(128),
  // Any number: tests seed lines the normalization must quarantine (negative, fractional, huge) as well as good ones.
  quantity: z.number(),
  unit: z.optional(text(32)),
  version: z.optional(z.number().check(z.int(), z.minimum(0))),
});

const notificationSchema = z.object({
  notificationId: text(256),
  providerId: text(),
  kind: z.enum(['sale', 'cancellation']),
  orderId: text(),
  lines: z.array(z.object({ sku: text(), quantity: z.number().check(z.int(), z.minimum(1)) })).check(z.minLength(1)),
  at: text(),
});

const modeSchema = z.strictObject({ mode: z.enum(PROVIDER_MODES), delayMs: z.optional(z.int().check(z.minimum(0), z.maximum(MAX_DELAY_MS))) });
const stockSchema = z.strictObject({ lines: z.array(stockLineSchema).check(z.maxLength(100_000)) });
const pushSchema = z.strictObject({
  externalSku: text(),
  quantity: z.number(),
  unit: z.optional(text()),
  version: z.optional(z.number().check(z.int(), z.minimum(0))),
  eventId: z.optional(text()),
  occurredAt: z.optional(text()),
});
const pageSchema = z.strictObject({
  cursor: z.optional(z.string().check(z.regex(/^\d{1,9}$/, 'not a cursor this provider issued'))),
  limit: z.optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(MAX_PAGE))),
});

interface ProviderState {
  mode: ProviderMode;
  delayMs: number;
  readonly notifications: Map<string, RecordedNotification>;
  duplicates: number;
  rejected: number;
  stock: ProviderStockLine[];
  /** When the stock was last set: every page of one snapshot reports the same time. */
  stockTakenAt: string;
}

export interface InventoryProviderStandInOptions {
  /** The provider's HMAC secret value (JSON `{current, previous?, rotatedAt?}`) as the runtime's Secrets Manager holds it now. */
  readonly secretValue: (providerId: string) => string | undefined;
  /** How long after a rotation `previous` still verifies, as the stage's webhook accepts it. */
  readonly graceHours: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/**
 * Every inventory provider of the stage, played on one loopback server with paths prefixed by provider id:
 *
 * - `POST /<providerId>/sales` (a StockNotification, signed by Stockade with the X-Stockade-Timestamp /
 *   X-Stockade-Signature scheme) records the notification once per notificationId: `200 { received, duplicate }`;
 *   a bad signature is 401.
 * - `GET /<providerId>/stock?cursor=&limit=` (signed over an empty body): the stock snapshot, paged
 *   (`{ lines, nextCursor?, takenAt }`, limit 1..1000, default 100).
 * - Modes per provider for both: up, down (the socket is destroyed unanswered), slow (answers after delayMs),
 *   failing (HTTP 500).
 *
 * The control API (`/_stand-in/<providerId>/…`, JSON, loopback only, no key) sets the mode, reads the recorded
 * notifications, sets the stock, and pushes a signed stock webhook to Stockade's API as the provider would.
 * Signatures are checked against the secret the runtime's Secrets Manager holds now: `current`, and `previous`
 * within the grace period, so Stockade's cached secret may lag a rotation as the real provider would tolerate.
 */
export class InventoryProviderStandIn {
  readonly name = 'Inventory';
  private server?: Server;
  private port = 0;
  private apiUrl?: string;
  private readonly providers = new Map<string, ProviderState>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: InventoryProviderStandInOptions) {}

  /** `http://127.0.0.1:<port>`: a provider's API is at `<url>/<providerId>/`. */
  get url(): string {
    return `http://${LOOPBACK}:${this.port}`;
  }

  /** The providers played (each keeps its state when listed again), and Stockade's API for pushed webhooks. */
  configure(settings: { providers?: readonly string[]; apiUrl?: string }): void {
    for (const id of settings.providers ?? []) if (!this.providers.has(id)) this.providers.set(id, freshState());
    if (settings.apiUrl !== undefined) this.apiUrl = settings.apiUrl.replace(/\/$/, '');
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.port = await listenOnLoopback(this.server);
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await closeServer(this.server);
  }

  /** What a provider recorded (for tests in this process; other processes use GET /_stand-in/<id>/sales). */
  sales(providerId: string): ProviderSales {
    const state = this.state(providerId);
    return { notifications: [...state.notifications.values()], duplicates: state.duplicates, rejected: state.rejected };
  }

  describe(): string[] {
    const ids = [...this.providers.keys()].join(', ') || 'none';
    return [`${this.name.padEnd(16)} ${this.url}/<providerId>/  (stand-in for ${ids}: POST sales, GET stock; control under ${INVENTORY_CONTROL_PREFIX})`];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => {
      if (!res.headersSent && !res.destroyed) res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    try {
      const url = new URL(req.url ?? '/', this.url);
      const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      if (parts[0] === '_stand-in') {
        const body = await readJson(req);
        const [, providerId = '', action = ''] = parts;
        if (parts.length !== 3) throw new HttpError(404, `No control route ${req.method} ${url.pathname}`);
        return void send(...(await this.control(req.method ?? 'GET', providerId, action, body)));
      }
      const [providerId = '', action = ''] = parts;
      const state = this.state(providerId);
      if (parts.length !== 2 || !((req.method === 'POST' && action === 'sales') || (req.method === 'GET' && action === 'stock'))) {
        throw new HttpError(404, `No route ${req.method} ${url.pathname}`);
      }
      if (state.mode === 'down') return void req.socket.destroy();
      const raw = (await readBody(req)).toString('utf8');
      if (state.mode === 'failing') return void send(500, { error: `${providerId} is failing (stand-in mode)` });
      if (state.mode === 'slow') await this.sleep(state.delayMs);
      if (action === 'sales') return void send(200, this.receiveSale(providerId, state, raw, req));
      return void send(200, this.stockPage(providerId, state, raw, req, url.searchParams));
    } catch (error) {
      if (error instanceof HttpError) return void send(error.status, { error: error.message, ...(error.details ? { details: error.details } : {}) });
      send(500, { error: (error as Error).message });
    }
  }

  private receiveSale(providerId: string, state: ProviderState, raw: string, req: IncomingMessage): { received: true; duplicate: boolean } {
    try {
      this.verify(providerId, raw, req);
    } catch (error) {
      state.rejected++;
      throw error;
    }
    const parsed = notificationSchema.safeParse(parseJson(raw));
    if (!parsed.success || parsed.data.providerId !== providerId) {
      state.rejected++;
      throw new HttpError(
        400,
        parsed.success ? `The notification is for ${parsed.data.providerId}, not ${providerId}` : 'Not a StockNotification',
        parsed.success ? undefined : parsed.error.issues,
      );
    }
    const existing = state.notifications.get(parsed.data.notificationId);
    if (existing) {
      existing.deliveries++;
      state.duplicates++;
      return { received: true, duplicate: true };
    }
    // Recorded as sent, fields beyond the port's included, so a test sees exactly what Stockade told the provider.
    state.notifications.set(parsed.data.notificationId, {
      notification: JSON.parse(raw) as StockNotification,
      receivedAt: new Date().toISOString(),
      deliveries: 1,
    });
    return { received: true, duplicate: false };
  }

  private stockPage(
    providerId: string,
    state: ProviderState,
    raw: string,
    req: IncomingMessage,
    query: URLSearchParams,
  ): { lines: ProviderStockLine[]; nextCursor?: string; takenAt: string } {
    this.verify(providerId, raw, req);
    const page = pageSchema.safeParse(Object.fromEntries(query));
    if (!page.success) throw new HttpError(400, 'Invalid cursor or limit', page.error.issues);
    const start = Number(page.data.cursor ?? '0');
    const limit = page.data.limit ?? DEFAULT_PAGE;
    const lines = state.stock.slice(start, start + limit);
    const next = start + limit;
    return { lines, ...(next < state.stock.length ? { nextCursor: String(next) } : {}), takenAt: state.stockTakenAt };
  }

  private async control(method: string, providerId: string, action: string, body: unknown): Promise<[number, unknown]> {
    const state = this.state(providerId);
    const input = <T>(schema: z.ZodMiniType<T>): T => {
      const parsed = schema.safeParse(body ?? {});
      if (!parsed.success) throw new HttpError(400, `Invalid ${action} request`, parsed.error.issues);
      return parsed.data;
    };
    switch (`${method} ${action}`) {
      case 'POST mode': {
        const { mode, delayMs } = input(modeSchema);
        state.mode = mode;
        state.delayMs = delayMs ?? (mode === 'slow' ? DEFAULT_SLOW_DELAY_MS : 0);
        return [200, { mode: state.mode, delayMs: state.delayMs }];
      }
      case 'GET sales':
        return [200, this.sales(providerId)];
      case 'PUT stock': {
        const { lines } = input(stockSchema);
        state.stock = lines;
        state.stockTakenAt = new Date().toISOString();
        return [200, { lines: lines.length, takenAt: state.stockTakenAt }];
      }
      case 'POST push':
        return [200, await this.push(providerId, input(pushSchema))];
      case 'POST reset':
        this.providers.set(providerId, freshState());
        return [200, { reset: true }];
      default:
        throw new HttpError(404, `No control route ${method} ${INVENTORY_CONTROL_PREFIX}${providerId}/${action}`);
    }
  }

  /** Sends one stock line to Stockade's inventory webhook, signed with the provider's current secret. */
  private async push(providerId: string, update: z.infer<typeof pushSchema>): Promise<PushResult> {
    if (!this.apiUrl) throw new HttpError(503, "Stockade's API is not running yet");
    const { eventId, occurredAt, ...line } = update;
    const secret = parseInventoryHmacSecret(this.secretOf(providerId)).current;
    const response = await sendInventoryWebhook(this.apiUrl, providerId, secret, [line], { eventId, occurredAt });
    return { status: response.status, body: parseJson(response.text) ?? response.text };
  }

  private verify(providerId: string, raw: string, req: IncomingMessage): void {
    const now = new Date();
    const header = (name: string) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value.join(',') : value;
    };
    try {
      const secrets = acceptedInventoryHmacSecrets(this.secretOf(providerId), { now, graceHours: this.options.graceHours });
      verifyInventorySignature({ rawBody: raw, timestamp: header(INVENTORY_TIMESTAMP_HEADER), signature: header(INVENTORY_SIGNATURE_HEADER), secrets, now });
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw new HttpError(401, (error as Error).message);
    }
  }

  private secretOf(providerId: string): string {
    const value = this.options.secretValue(providerId);
    if (value === undefined) throw new HttpError(500, `The runtime holds no HMAC secret for ${providerId}`);
    return value;
  }

  private state(providerId: string): ProviderState {
    const state = this.providers.get(providerId);
    if (!state) throw new HttpError(404, `No inventory provider ${providerId} in this stage (${[...this.providers.keys()].join(', ') || 'none'})`);
    return state;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => (this.timers.delete(timer), resolve()), ms);
      this.timers.add(timer);
    });
  }
}

function freshState(): ProviderState {
  return { mode: 'up', delayMs: 0, notifications: new Map(), duplicates: 0, rejected: 0, stock: [], stockTakenAt: new Date().toISOString() };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const raw = await readBody(req);
  if (raw.length > MAX_BODY_BYTES) throw new HttpError(413, `The body is larger than ${MAX_BODY_BYTES} bytes`);
  if (raw.length === 0) return undefined;
  const json = parseJson(raw.toString('utf8'));
  if (json === undefined) throw new HttpError(400, 'The body is not JSON');
  return json;
}
