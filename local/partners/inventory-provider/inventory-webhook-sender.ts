import { randomBytes } from 'node:crypto';
import type { ProviderStockLine } from '../../../shared/domain/inventory/normalize';
import { inventorySignatureHeaders } from '../../../shared/domain/inventory/webhook-signature';

/**
 * Sends stock lines to Stockade's inventory webhook as provider `providerId` would: one event (a fresh id and the
 * current time unless given), signed with `secret`. Used by `npm run inventory:push` and the provider stand-in.
 */
export async function sendInventoryWebhook(
  apiUrl: string,
  providerId: string,
  secret: string,
  lines: readonly ProviderStockLine[],
  event: { eventId?: string | undefined; occurredAt?: string | undefined } = {},
): Promise<{ status: number; ok: boolean; text: string }> {
  const body = JSON.stringify({
    eventId: event.eventId ?? `evt_${randomBytes(12).toString('hex')}`,
    occurredAt: event.occurredAt ?? new Date().toISOString(),
    updates: lines,
  });
  const response = await fetch(`${apiUrl}/webhooks/inventory/${encodeURIComponent(providerId)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...inventorySignatureHeaders(secret, body) },
    body,
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, ok: response.ok, text: await response.text() };
}
