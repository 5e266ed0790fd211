import { NotFoundError } from '../errors';
import type { InventoryQuarantine, QuarantinedLine } from '../../ports/inventory-quarantine';
import type { InventoryUpdateQueue } from '../../ports/inventory';
import { acceptedInventoryHmacSecrets } from './hmac-secrets';
import { type NormalizedUpdate, normalizeLine, type ProviderStockLine } from './normalize';
import type { InventoryProviders } from './provider-config';
import { verifyInventorySignature } from './webhook-signature';
import type { Clock } from '../../ports/clock';

/** A provider's stock event, once its signature is verified and its body validated. */
export interface InventoryEvent {
  readonly eventId: string;
  readonly occurredAt: string;
  readonly updates: readonly ProviderStockLine[];
}

export interface ReceiveInventoryWebhookDeps {
  /** The stage's provider data: who may call, and how their lines translate. */
  readonly providers: InventoryProviders;
  /** The provider's HMAC secret value (JSON `{current, previous?, rotatedAt?}`), read through a cache. */
  readonly secretOf: (providerId: string) => Promise<string>;
  /** How long after a rotation the previous secret still verifies. */
  readonly graceHours: number;
  /** Validates the body; called only on a body whose signature verified. Throws ValidationError. */
  readonly parse: (rawBody: string) => InventoryEvent;
  readonly queue: InventoryUpdateQueue;
  readonly quarantine: InventoryQuarantine;
  readonly now: Clock;
}

export interface InventoryWebhookRequest {
  readonly providerId: string;
  readonly rawBody: string;
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
}

export interface InventoryWebhookResult {
  readonly eventId: string;
  readonly accepted: readonly NormalizedUpdate[];
  readonly quarantined: readonly QuarantinedLine[];
}

/**
 * Inventory webhook intake: the provider must be one of the stage's (else 404), the raw body must carry a valid
 * signature under a secret the provider's secret accepts now (current, or previous within the grace period), and
 * only then is the body parsed. Each line is translated on its own: lines that cannot be are quarantined (recorded,
 * never applied) and do not hold back the rest, which are queued for the consumer. The answer comes once both are
 * durable, so a failure leaves the provider to retry the same event, which the quarantine and the queue's
 * de-duplication make harmless.
 * @throws NotFoundError for an unknown provider, UnauthorizedError for a bad signature, ValidationError for a bad body
 */
export async function receiveInventoryWebhook(deps: ReceiveInventoryWebhookDeps, request: InventoryWebhookRequest): Promise<InventoryWebhookResult> {
  const settings = Object.hasOwn(deps.providers.providers, request.providerId) ? deps.providers.providers[request.providerId] : undefined;
  if (!settings) throw new NotFoundError(`No inventory provider ${request.providerId}`);
  const now = deps.now();
  const secrets = acceptedInventoryHmacSecrets(await deps.secretOf(request.providerId), { now, graceHours: deps.graceHours });
  verifyInventorySignature({ rawBody: request.rawBody, timestamp: request.timestamp, signature: request.signature, secrets, now });

  const event = deps.parse(request.rawBody);
  const provider = { id: request.providerId, settings };
  const accepted: NormalizedUpdate[] = [];
  const quarantined: QuarantinedLine[] = [];
  for (const line of event.updates) {
    const result = normalizeLine(provider, event, line);
    if (result.ok) accepted.push(result.update);
    else {
      quarantined.push({
        providerId: request.providerId,
        eventId: event.eventId,
        occurredAt: event.occurredAt,
        externalSku: line.externalSku,
        reason: result.reason,
        line,
        receivedAt: now.toISOString(),
      });
    }
  }
  if (quarantined.length > 0) await deps.quarantine.record(quarantined);
  if (accepted.length > 0) await deps.queue.enqueue(accepted);
  return { eventId: event.eventId, accepted, quarantined };
}
