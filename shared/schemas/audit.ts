import * as z from '../validation/zod';
import { PageQueryShape } from './listing';

/** GET /admin/audit: audit events, newest first. */
export const ListAuditEventsQuerySchema = z.strictObject(PageQueryShape);
