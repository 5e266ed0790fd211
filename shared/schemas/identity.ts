import { z } from 'zod';
import { GROUPS } from '../domain/access/route-policies';

/** GET /me: who the caller is, as the API sees them. */
export const MeResponseSchema = z
  .object({
    sub: z.string(),
    groups: z.array(z.enum(GROUPS)),
    mfa: z.boolean(),
  })
  .strict();
export type MeResponse = z.infer<typeof MeResponseSchema>;
