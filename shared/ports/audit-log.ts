/** One append-only admin or security event (api-contract.md: GET /admin/audit). */
export interface AuditEvent {
  readonly at: string;
  /** Who acted: a Cognito sub, or a system name. */
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly outcome: 'succeeded' | 'denied' | 'failed';
  readonly sourceIp?: string;
  /** What was done, in words (e.g. the amount and reason of a refund); never secrets or card data. */
  readonly detail?: string;
}

export interface AuditPage {
  readonly items: readonly AuditEvent[];
  readonly nextCursor?: string;
}

/** The audit trail: events are appended, never changed. */
export interface AuditLog {
  append(event: AuditEvent): Promise<void>;
  /** Newest first. */
  list(query: { limit: number; cursor?: string }): Promise<AuditPage>;
}
