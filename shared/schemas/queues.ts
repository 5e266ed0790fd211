import * as z from '../validation/zod';

/** `POST /admin/queues/{queueName}/redrive`: any name is accepted here; one not on the stage's list is 404. */
export const QueueNamePathSchema = z.strictObject({ queueName: z.string().check(z.minLength(1), z.maxLength(80)) });

/** The redrive takes no parameters: no body, or `{}`. */
export const RedriveBodySchema = z.strictObject({});

export const RedriveResponseSchema = z.strictObject({ moved: z.number().check(z.int(), z.minimum(0)) });
export type RedriveResponse = z.infer<typeof RedriveResponseSchema>;
