import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { ValidationError } from '../../shared/domain/errors';
import { refuseWhileProviderRefused } from '../../shared/domain/operations/switches';
import { receiveInventoryWebhook } from '../../shared/domain/inventory/receive-inventory-webhook';
import { INVENTORY_SIGNATURE_HEADER, INVENTORY_TIMESTAMP_HEADER } from '../../shared/domain/inventory/webhook-signature';
import { httpHandler } from '../../shared/http/http-handler';
import { zodFieldErrors } from '../../shared/http/zod-errors';
import { logger, metrics } from '../../shared/observability/powertools';
import { inventoryWebhookDeps, switchReader } from './root';
import { type InventoryWebhookAccepted, InventoryWebhookBodySchema, InventoryWebhookPathSchema } from '../../shared/schemas/inventory';

const switches = switchReader();
const deps = {
  // The providers' secrets come through the secret store: a rotated secret is picked up without a redeploy.
  ...inventoryWebhookDeps(),
  parse: (rawBody: string) => {
    let json: unknown;
    try {
      json = JSON.parse(rawBody);
    } catch {
      throw new ValidationError('The body is not valid JSON');
    }
    const parsed = InventoryWebhookBodySchema.safeParse(json);
    if (!parsed.success) throw new ValidationError('The request body is invalid', zodFieldErrors(parsed.error, 'body'));
    return parsed.data;
  },
};

/**
 * POST /webhooks/inventory/{providerId}: signature verified on the raw body, then each line translated; lines that
 * cannot be are quarantined (recorded, counted), the rest queued for the inventory updates consumer.
 */
export const handler = httpHandler({ rawBody: true, webhook: 'inventory', path: InventoryWebhookPathSchema }, async ({ rawBody, headers, path }) => {
  const { providerId } = path;
  // Refused by the mitigation switch: 503 with Retry-After, so the provider delivers the event again later.
  await refuseWhileProviderRefused(switches, providerId);
  const result = await receiveInventoryWebhook(deps, {
    providerId,
    rawBody: rawBody ?? '',
    timestamp: headers[INVENTORY_TIMESTAMP_HEADER],
    signature: headers[INVENTORY_SIGNATURE_HEADER],
  });
  // One dimension value per kind of reason (not the unit named in it), so a provider cannot grow the metric's cardinality.
  const byReason = new Map<string, number>();
  for (const { reason } of result.quarantined) {
    const kind = reason.split(':')[0] ?? reason;
    byReason.set(kind, (byReason.get(kind) ?? 0) + 1);
  }
  for (const [reason, count] of byReason) metrics.singleMetric().addDimension('reason', reason).addMetric('InventoryLinesQuarantined', MetricUnit.Count, count);
  metrics.addMetric('InventoryLinesAccepted', MetricUnit.Count, result.accepted.length);
  if (result.quarantined.length > 0) {
    logger.warn('Inventory lines quarantined', {
      providerId,
      eventId: result.eventId,
      lines: result.quarantined.map((q) => ({ externalSku: q.externalSku, reason: q.reason })),
    });
  }
  logger.info('Inventory event received', { providerId, eventId: result.eventId, accepted: result.accepted.length, quarantined: result.quarantined.length });
  const body: InventoryWebhookAccepted = { accepted: result.accepted.length, quarantined: result.quarantined.length };
  return { status: 202, body };
});
