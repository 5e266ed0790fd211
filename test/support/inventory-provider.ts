import type { Endpoints } from '../../local/runtime/local-runtime';
import {
  INVENTORY_CONTROL_PREFIX,
  type ProviderMode,
  type ProviderSales,
  type ProviderStockLine,
  type PushResult,
  type RecordedNotification,
} from '../../local/partners/inventory-provider/inventory-provider-stand-in';
import { inventorySignatureHeaders } from '../../shared/domain/inventory/webhook-signature';

export type { ProviderMode, ProviderSales, ProviderStockLine, PushResult, RecordedNotification };

/** A stock webhook body as a provider sends it (api-contract.md). */
export interface InventoryWebhookPayload {
  readonly eventId: string;
  readonly occurredAt: string;
  readonly updates: ReadonlyArray<{ externalSku: string; quantity: number; unit?: string; version?: number }>;
}

export interface SignOptions {
  /** Unix seconds to sign at. @default now */
  readonly timestamp?: number;
  /** Sign with this secret instead of the provider's (endpoints.json `inventoryProviders.<id>.secret`). */
  readonly secret?: string;
  /**
   * Changes the body after it was signed, so what arrives is not what was signed: a function of the signed body,
   * or `true` for one trailing space (the same JSON, other bytes).
   */
  readonly tamper?: boolean | ((signedBody: string) => string);
  /** Send no signature headers at all. */
  readonly unsigned?: boolean;
}

export interface InventoryResponse {
  readonly status: number;
  readonly contentType: string;
  /** The body parsed as JSON, or `{ raw }`. */
  readonly body: Record<string, unknown>;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The signature headers for `rawBody`, as a provider (or Stockade, calling a provider) sends them. */
export function signedHeaders(secret: string, rawBody: string, timestamp = nowSeconds()): Record<string, string> {
  return inventorySignatureHeaders(secret, rawBody, new Date(timestamp * 1000));
}

/** The secret a provider signs with, as endpoints.json publishes it (its `current` when the runtime started). */
export function providerSecret(endpoints: Endpoints, providerId: string): string {
  const secret = endpoints.inventoryProviders[providerId]?.secret;
  if (!secret) throw new Error(`endpoints.json has no secret for inventory provider ${providerId}`);
  return secret;
}

/**
 * POSTs a stock webhook to `/webhooks/inventory/<providerId>` the way a provider does: the body as JSON (a string
 * is sent as is), signed over its exact bytes with the provider's secret, unless `options` says otherwise.
 */
export async function sendInventoryWebhook(
  endpoints: Endpoints,
  providerId: string,
  body: InventoryWebhookPayload | string,
  options: SignOptions = {},
): Promise<InventoryResponse> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const secret = options.secret ?? (endpoints.inventoryProviders[providerId]?.secret || 'no-secret-for-this-provider');
  const headers = options.unsigned ? {} : signedHeaders(secret, raw, options.timestamp);
  const response = await fetch(`${endpoints.apiUrl}/webhooks/inventory/${encodeURIComponent(providerId)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: tampered(raw, options.tamper),
  });
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: jsonOf(await response.text()) };
}

/** Where the runtime's inventory provider stand-in listens. */
export function standInUrl(endpoints: Endpoints): string {
  const url = endpoints.inventoryStandIn?.url;
  if (!url) throw new Error('The runtime has no inventory provider stand-in (endpoints.json inventoryStandIn)');
  return url;
}

/**
 * Calls a provider's own API at the stand-in as Stockade does: signed with the provider's secret over the body (an
 * empty one for GET). `path` is below the provider, e.g. `stock?limit=10` or `sales`.
 */
export async function callProvider(
  endpoints: Endpoints,
  providerId: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  options: SignOptions = {},
): Promise<InventoryResponse> {
  const raw = body === undefined ? '' : JSON.stringify(body);
  const headers = options.unsigned ? {} : signedHeaders(options.secret ?? providerSecret(endpoints, providerId), raw, options.timestamp);
  const response = await fetch(`${standInUrl(endpoints)}/${encodeURIComponent(providerId)}/${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: tampered(raw, options.tamper) }),
    signal: AbortSignal.timeout(20_000),
  });
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: jsonOf(await response.text()) };
}

/** Sets how a provider's API answers: up, down (connection dropped), slow (after delayMs), failing (500). */
export async function setProviderMode(endpoints: Endpoints, providerId: string, mode: ProviderMode, delayMs?: number): Promise<void> {
  await control(endpoints, 'POST', providerId, 'mode', { mode, ...(delayMs === undefined ? {} : { delayMs }) });
}

/** The sale and cancellation notifications a provider has recorded, with duplicate and rejected counts. */
export async function providerSales(endpoints: Endpoints, providerId: string): Promise<ProviderSales> {
  return (await control(endpoints, 'GET', providerId, 'sales')) as ProviderSales;
}

/** Replaces a provider's stock snapshot (what GET /<providerId>/stock pages through). */
export async function setProviderStock(
  endpoints: Endpoints,
  providerId: string,
  lines: readonly ProviderStockLine[],
): Promise<{ lines: number; takenAt: string }> {
  return (await control(endpoints, 'PUT', providerId, 'stock', { lines })) as { lines: number; takenAt: string };
}

/** Has the provider push one stock line to Stockade's webhook, signed with its current secret; answers Stockade's answer. */
export async function pushFromProvider(
  endpoints: Endpoints,
  providerId: string,
  update: { externalSku: string; quantity: number; unit?: string; version?: number; eventId?: string; occurredAt?: string },
): Promise<PushResult> {
  return (await control(endpoints, 'POST', providerId, 'push', update)) as PushResult;
}

/** Back to mode up with no notifications and no stock (for afterEach). */
export async function resetProvider(endpoints: Endpoints, providerId: string): Promise<void> {
  await control(endpoints, 'POST', providerId, 'reset');
}

async function control(endpoints: Endpoints, method: string, providerId: string, action: string, body?: unknown): Promise<unknown> {
  const path = `${INVENTORY_CONTROL_PREFIX}${encodeURIComponent(providerId)}/${action}`;
  const response = await fetch(`${standInUrl(endpoints)}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`The inventory stand-in's control API answered ${method} ${path} with ${response.status}: ${text}`);
  return JSON.parse(text) as unknown;
}

function tampered(raw: string, tamper: SignOptions['tamper']): string {
  if (tamper === undefined || tamper === false) return raw;
  return tamper === true ? `${raw} ` : tamper(raw);
}

function jsonOf(text: string): Record<string, unknown> {
  try {
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    return { raw: text.slice(0, 500) };
  }
}
