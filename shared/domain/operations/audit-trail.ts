import type { AuditActor, AuditEvent, AuditLog, RequestOrigin } from '../../ports/audit-log';
import type { Clock } from '../../ports/clock';
import type { CursorCodec } from '../../ports/cursor-codec';
import { DomainError } from '../errors';
import { listPage, type ListPage } from '../listing';

/** The audit trail, newest first, with cursors signed for the admin who listed it (another admin's cursor is a 400). */
export function listAuditEvents(
  deps: { audit: AuditLog; cursors: CursorCodec },
  adminSub: string,
  query: { limit: number; cursor?: string },
): Promise<ListPage<AuditEvent>> {
  return listPage(
    deps.cursors,
    { scope: `audit|${adminSub}`, cursor: query.cursor },
    (after) => deps.audit.list({ limit: query.limit, ...(after ? { after } : {}) }),
    (event) => event,
  );
}

/** An audit event's origin fields (source IP, request id), each only when known: spread into the event. */
export function originOf(origin: RequestOrigin): Pick<AuditEvent, 'sourceIp' | 'requestId'> {
  return { ...(origin.sourceIp ? { sourceIp: origin.sourceIp } : {}), ...(origin.requestId ? { requestId: origin.requestId } : {}) };
}

/** What an audited use case does: its action, its target, and what the event says of a result. */
export interface AuditedAction<T> {
  readonly action: string;
  /** What was acted on; a function of the result when only the result names it (a created product's id). */
  readonly target: string | { readonly refused: string; readonly of: (result: T) => string };
  readonly detail?: (result: T) => string | undefined;
}

/**
 * Runs a use case and audits its outcome, as actor from the actor's origin: `succeeded` when it returns; `denied` when
 * it refuses the request (a domain error: not found, invalid, conflict, a business rule), with the refusal's message;
 * `failed` when something of ours failed (any other error, or a 503), with the error's name only. The error is thrown
 * on after the event is appended. For use cases that are audited whole; those whose events carry more (a refund's
 * amounts, a stock change's before and after) append their own.
 */
export async function audited<T>(deps: { audit: AuditLog; now: Clock }, actor: AuditActor, what: AuditedAction<T>, run: () => Promise<T>): Promise<T> {
  const at = deps.now().toISOString();
  const event = (outcome: AuditEvent['outcome'], target: string, detail: string | undefined): AuditEvent => ({
    at,
    actor: actor.sub,
    action: what.action,
    target,
    outcome,
    ...originOf(actor),
    ...(detail ? { detail } : {}),
  });
  const refusedTarget = typeof what.target === 'string' ? what.target : what.target.refused;
  let result: T;
  try {
    result = await run();
  } catch (error) {
    const refused = error instanceof DomainError && error.name !== 'ServiceUnavailableError';
    await deps.audit.append(event(refused ? 'denied' : 'failed', refusedTarget, refused ? error.message : `failed: ${(error as Error).name}`));
    throw error;
  }
  await deps.audit.append(event('succeeded', typeof what.target === 'string' ? what.target : what.target.of(result), what.detail?.(result)));
  return result;
}
