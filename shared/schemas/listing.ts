import { z } from 'zod';

/**
 * The paging fields every listing's query schema starts from: a page size (default 20, at most 100) and the opaque
 * cursor of the page before, signed for that listing and caller (shared/domain/listing.ts).
 */
export const PageQueryShape = {
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(2_048).optional(),
};
