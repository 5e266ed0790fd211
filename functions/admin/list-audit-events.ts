import { listAuditEvents } from '../../shared/domain/operations/audit-trail';
import { httpHandler } from '../../shared/http/http-handler';
import { principalOf } from '../../shared/http/principal';
import { ListAuditEventsQuerySchema } from '../../shared/schemas/audit';
import { auditLog, cursorCodec } from './root';

const deps = { audit: auditLog(), cursors: cursorCodec() };

/** GET /admin/audit: audit events, newest first, with a cursor only valid for the admin who listed them. */
export const handler = httpHandler({ query: ListAuditEventsQuerySchema }, async ({ query, event }) => ({
  status: 200,
  body: await listAuditEvents(deps, principalOf(event).sub, query),
  headers: { 'Cache-Control': 'no-store' },
}));
