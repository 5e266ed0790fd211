import { z } from 'zod';

export const HealthResponseSchema = z.object({ status: z.literal('ok') }).strict();
export type HealthResponse = z.infer<typeof HealthResponseSchema>;
