import type { StageConfig } from '../config/stage-config';

/**
 * The runbook sections of docs/operations.md that alarms link to, by their heading's text: each alarm's description
 * ends with its section's URL, and test/infra checks that every link lands on a heading that exists.
 */
export const RUNBOOK = {
  pagesAndTickets: 'Pages and tickets',
  api5xx: 'API 5xx rate',
  apiLatency: 'API p99 latency',
  functionErrors: 'Function errors',
  functionThrottles: 'Function throttles',
  saga: 'Saga executions failed, timed out or aborted',
  stuckOrders: 'Orders stuck past their hold',
  checkoutAnomaly: 'Checkout rate anomaly',
  webhookSignatures: 'Webhook signature failures',
  reconciliation: 'Reconciliation discrepancies',
  providerCircuit: 'Provider circuit open',
  stockNotices: 'Stock notices pending',
  relayStopped: 'Outbox relay stopped',
  clampedToReserved: 'Inventory clamped to reserved',
  deadLetters: 'Dead-letter queue depth and age',
  releases: 'Releases, canaries and automatic rollback',
  auditTrail: 'Audit trail',
  slo: 'Service level objectives',
  canary: 'Synthetic canary',
} as const;

export type RunbookSection = (typeof RUNBOOK)[keyof typeof RUNBOOK];

/** The anchor GitHub gives a Markdown heading: lower case, punctuation dropped, spaces to hyphens. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Where a runbook section is read: docs/operations.md on the stage's repository (github.repository), main branch. */
export function runbookUrl(config: Pick<StageConfig, 'github'>, section: RunbookSection): string {
  return `https://github.com/${config.github.repository}/blob/main/docs/operations.md#${headingAnchor(section)}`;
}
