import * as z from '../validation/zod';
import { parseInventoryHmacSecret } from '../domain/inventory/hmac-secrets';
import { inventorySignatureHeaders } from '../domain/inventory/webhook-signature';
import type { InventoryProviderApi, StockNotification } from '../ports/inventory';

/** Lines per snapshot page asked for. */
const SNAPSHOT_PAGE_LIMIT = 200;

const SnapshotPageSchema = z.object({
  lines: z.array(
    z.object({
      externalSku: z.string().check(z.minLength(1), z.maxLength(128)),
      quantity: z.number(),
      unit: z.optional(z.string().check(z.maxLength(32))),
      version: z.optional(z.number()),
    }),
  ),
  nextCursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
  takenAt: z.iso.datetime({ offset: true }),
});

/** The provider answered, but not with success; the status says why. */
export class ProviderHttpError extends Error {
  override readonly name = 'ProviderHttpError';
  constructor(
    readonly providerId: string,
    readonly status: number,
    request: string,
  ) {
    super(`Inventory provider ${providerId} answered ${status} to ${request}`);
  }
}

/**
 * An inventory provider's HTTP API, signed as inbound webhooks are (`X-Stockade-Timestamp`, `X-Stockade-Signature:
 * v1=<hex HMAC-SHA256 of "{timestamp}.{body}">`) with the provider's current secret: `POST {apiUrl}sales` with a
 * StockNotification as the body, `GET {apiUrl}stock?cursor=&limit=` (signed over an empty body) for one page of the
 * stock snapshot. Each call takes an AbortSignal, so a caller's timeout aborts the request itself; timeouts,
 * retries and the circuit breaker are the caller's (provider-channels.ts).
 */
export class HttpInventoryProvider implements InventoryProviderApi {
  private readonly base: string;

  constructor(
    readonly providerId: string,
    apiUrl: string,
    /** The provider's HMAC secret value (JSON), through the secret cache. */
    private readonly secretValue: () => Promise<string>,
    private readonly options: { readonly pageLimit?: number; readonly now?: () => Date } = {},
  ) {
    this.base = apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`;
  }

  async notify(notification: StockNotification, signal?: AbortSignal): Promise<void> {
    const body = JSON.stringify(notification);
    const response = await fetch(new URL('sales', this.base), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await this.signatureHeaders(body)) },
      body,
      signal,
    });
    // The answer's body is not needed; reading it frees the connection.
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new ProviderHttpError(this.providerId, response.status, 'POST sales');
  }

  async snapshot(cursor: string | undefined, signal?: AbortSignal): ReturnType<InventoryProviderApi['snapshot']> {
    const url = new URL('stock', this.base);
    if (cursor !== undefined) url.searchParams.set('cursor', cursor);
    url.searchParams.set('limit', String(this.options.pageLimit ?? SNAPSHOT_PAGE_LIMIT));
    const response = await fetch(url, { method: 'GET', headers: { accept: 'application/json', ...(await this.signatureHeaders('')) }, signal });
    if (!response.ok) {
      await response.arrayBuffer().catch(() => undefined);
      throw new ProviderHttpError(this.providerId, response.status, 'GET stock');
    }
    const parsed = SnapshotPageSchema.safeParse(await response.json());
    if (!parsed.success)
      throw new Error(
        `Inventory provider ${this.providerId} sent a malformed stock page: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      );
    const { lines, nextCursor, takenAt } = parsed.data;
    return { lines, takenAt, ...(nextCursor ? { nextCursor } : {}) };
  }

  private async signatureHeaders(body: string): Promise<Record<string, string>> {
    const { current } = parseInventoryHmacSecret(await this.secretValue());
    return inventorySignatureHeaders(current, body, this.options.now?.() ?? new Date());
  }
}
