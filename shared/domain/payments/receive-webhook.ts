import type { PaymentEventLedger, WebhookVerifier } from '../../ports/payment-events';

/**
 * Webhook intake: verify the sender on the raw body, then record the event once. The answer is 2xx as soon as the
 * event is durably recorded (or was already); a duplicate delivery has no further effect.
 */
export async function receiveWebhook(
  deps: { verifier: WebhookVerifier; ledger: PaymentEventLedger; now: () => Date },
  rawBody: string,
  signatureHeader: string | undefined,
): Promise<{ eventId: string; type: string; duplicate: boolean }> {
  const event = await deps.verifier.verify(rawBody, signatureHeader);
  const outcome = await deps.ledger.record(event, deps.now());
  return { eventId: event.eventId, type: event.type, duplicate: outcome === 'duplicate' };
}
