import { z } from 'zod';

/** `POST /admin/queues/{queueName}/redrive`: any name is accepted here; one not on the stage's list is 404. */
export const QueueNamePathSchema = z.object({ queueName: z.string().min(1).max(80) }).strict();

/** The redrive takes no parameters: no body, or `{}`. */
export const RedriveBodySchema = z.object({}).strict();

export const RedriveResponseSchema = z.object({ moved: z.number().int().min(0) }).strict();
export type RedriveResponse = z.infer<typeof RedriveResponseSchema>;
