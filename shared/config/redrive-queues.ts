import * as z from '../validation/zod';
import type { RedrivableQueue } from '../adapters/sqs-dead-letter-redrive';
import { requiredEnv } from './env';
import { ENV, type EnvName } from './env-names';

const RedriveQueuesSchema = z.record(z.string().check(z.regex(/^[a-z0-9-]{1,64}$/)), z.strictObject({ queueUrl: z.url(), deadLetterQueueUrl: z.url() }));

/**
 * The stage's queues an admin may redrive, by name, from `envVar` (StockadeFunction.bindQueueRedrive):
 * `{ "<name>": { "queueUrl", "deadLetterQueueUrl" } }`. A malformed value fails the cold start.
 */
export function redriveQueues(envVar: EnvName = ENV.REDRIVE_QUEUES): Record<string, RedrivableQueue> {
  const parsed = RedriveQueuesSchema.safeParse(JSON.parse(requiredEnv(envVar)) as unknown);
  if (!parsed.success) throw new Error(`Invalid configuration: ${envVar} is not a map of queue names to { queueUrl, deadLetterQueueUrl }`);
  return parsed.data;
}
