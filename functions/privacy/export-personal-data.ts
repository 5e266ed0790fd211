import { exportPersonalData } from '../../shared/domain/privacy/export';
import { httpHandler } from '../../shared/http/http-handler';
import { auditActorOf } from '../../shared/http/principal';
import { exportDeps } from './root';

const deps = exportDeps();

/** GET /me/export: everything held about the caller, once per interval per customer (429 with Retry-After after). */
export const handler = httpHandler({}, async ({ event }) => {
  return {
    status: 200,
    body: await exportPersonalData(deps, auditActorOf(event)),
    headers: { 'Cache-Control': 'no-store', 'Content-Disposition': 'attachment; filename="stockade-export.json"' },
  };
});
