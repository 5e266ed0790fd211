import * as z from '../validation/zod';

/**
 * The paging fields every listing's query schema starts from: a page size (default 20, at most 100) and the opaque
 * cursor of the page before, signed for that listing and caller (shared/domain/listing.ts).
 */
export const PageQueryShape = {
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 20),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2_048))),
};
