/**
 * Stockade's service level objectives (docs/operations.md, "Service level objectives"): the functions emit the
 * events they count, and the Observability stack turns them into burn-rate alarms and a dashboard row. One place for
 * both, so a threshold changed here moves the metric and the alarm together.
 */
export interface ServiceLevelObjective {
  /** Good events over valid events, e.g. 0.999. */
  readonly target: number;
  /** The metric counting every valid event (namespace Stockade). */
  readonly totalMetric: string;
  /** The metrics counting bad events, summed. */
  readonly badMetrics: readonly string[];
  /** The `service` dimension the counting function emits under. */
  readonly service: string;
}

/** 99.9% of valid checkouts are accepted (202) within 1 s of reaching the checkout function. */
export const CHECKOUT_SLO = {
  target: 0.999,
  objectiveMs: 1_000,
  service: 'orders',
  // Accepted checkouts and checkouts that failed on Stockade's side (not a 4xx: the shopper's request was wrong).
  totalMetric: 'CheckoutAttempted',
  badMetrics: ['CheckoutSlow', 'CheckoutFailed'],
} as const satisfies ServiceLevelObjective & { objectiveMs: number };

/** 99.5% of paid orders are CONFIRMED (stock committed) within 10 s of Stockade learning the payment succeeded. */
export const CONFIRMATION_SLO = {
  target: 0.995,
  objectiveSeconds: 10,
  service: 'orders',
  totalMetric: 'OrderConfirmed',
  badMetrics: ['OrderConfirmedLate'],
} as const satisfies ServiceLevelObjective & { objectiveSeconds: number };
