import type { AuditEvent, AuditLog } from '../../ports/audit-log';
import type { CursorCodec } from '../../ports/cursor-codec';
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
