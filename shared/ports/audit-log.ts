import type { Money } from '../domain/model/money';
import type { ListPosition, PositionedPage } from './cursor-codec';

/** One append-only admin or security event (api-contract.md: GET /admin/audit). */
export interface AuditEvent {
  readonly at: string;
  /** Who acted: a Cognito sub, or a system name. */
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly outcome: 'succeeded' | 'denied' | 'failed';
  readonly sourceIp?: string;
  /** The API Gateway request id of the request that caused it, when one did (the `x-amzn-RequestId` the caller saw). */
  readonly requestId?: string;
  /** What was done, in words (e.g. "10.00 EUR of 36.00 EUR: reason" for a refund); never secrets or card data. */
  readonly detail?: string;
  /** The amounts the detail speaks of, by name, as integers in minor units (e.g. `refund`, `orderTotal`), for tools. */
  readonly amounts?: Readonly<Record<string, Money>>;
}

/** Where an audited request came from: the caller's address and API Gateway's request id (both absent for a system run). */
export interface RequestOrigin {
  readonly sourceIp?: string;
  readonly requestId?: string;
}

/** Who acted (a Cognito sub), and from where. */
export interface AuditActor extends RequestOrigin {
  readonly sub: string;
}

/** The audit trail: events are appended, never changed. */
export interface AuditLog {
  append(event: AuditEvent): Promise<void>;
  /** Newest first, from `after` (where the page before stopped) or from now. */
  list(query: { limit: number; after?: ListPosition }): Promise<PositionedPage<AuditEvent>>;
}
