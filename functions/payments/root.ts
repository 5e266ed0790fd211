import { integerEnv, optionalEnv } from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';
import * as z from '../../shared/validation/zod';
import type { RemedyName } from '../../shared/ports/reconciliation-reports';

const REMEDIES = ['cancel-orphaned-payment-intent', 'apply-missed-payment-outcome', 'refund-paid-without-order'] as const satisfies readonly RemedyName[];
const RemediesSchema = z.array(z.enum(REMEDIES));

/** The payments area's composition root (the Stripe webhook, the payment events consumer, reconciliation), once per cold start. */
export { now } from '../wiring/platform';
export { auditLog, paymentEventLedger, paymentRecordLookup, reconciliationReports } from '../wiring/dynamodb';
export { paymentEventQueue } from '../wiring/sqs';
export { paymentGateway, stripeWebhookVerifier } from '../wiring/stripe';
export { paymentOutcomeDeps } from '../orders/root';

/** The stage's reconciliation settings: the remedies it may apply, the window it compares and when an order counts as stuck. */
export function reconciliationSettings(): { remedies: readonly RemedyName[]; windowHours: number; stuckAfterMinutes: number } {
  return {
    remedies: RemediesSchema.parse(optionalEnv(ENV.RECONCILIATION_REMEDIES, '').split(',').filter(Boolean)),
    windowHours: integerEnv(ENV.RECONCILIATION_WINDOW_HOURS, 72),
    stuckAfterMinutes: integerEnv(ENV.RECONCILIATION_STUCK_AFTER_MINUTES, 30),
  };
}
