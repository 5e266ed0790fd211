import { z } from 'zod';
import { PageQueryShape } from './listing';

/** GET /admin/audit: audit events, newest first. */
export const ListAuditEventsQuerySchema = z.object(PageQueryShape).strict();
