import * as z from '../validation/zod';
import { GROUPS } from '../domain/access/route-policies';

/** GET /me: who the caller is, as the API sees them. */
export const MeResponseSchema = z.strictObject({
  sub: z.string(),
  groups: z.array(z.enum(GROUPS)),
  mfa: z.boolean(),
});
export type MeResponse = z.infer<typeof MeResponseSchema>;
