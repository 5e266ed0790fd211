import { redriveQueue } from '../../shared/domain/operations/redrive-queue';
import { httpHandler } from '../../shared/http/http-handler';
import { auditActorOf } from '../../shared/http/principal';
import { QueueNamePathSchema, RedriveBodySchema, type RedriveResponse } from '../../shared/schemas/queues';
import { auditLog, deadLetterRedrive, now } from './root';

const deps = {
  queues: deadLetterRedrive(),
  audit: auditLog(),
  now,
};
/** At most this many messages, and this long (less the time the function needs to answer), per call. */
const MAX_MESSAGES = 1000;
const MAX_BUDGET_MS = 20_000;

/** POST /admin/queues/{queueName}/redrive: moves the queue's dead-lettered messages back to it, `200 { moved }`. Audited. */
export const handler = httpHandler({ path: QueueNamePathSchema, body: RedriveBodySchema }, async ({ path, event, context }) => {
  const budgetMs = Math.max(0, Math.min(MAX_BUDGET_MS, context.getRemainingTimeInMillis() - 2_000));
  const result = await redriveQueue(deps, auditActorOf(event), path.queueName, {
    maxMessages: MAX_MESSAGES,
    budgetMs,
  });
  const body: RedriveResponse = { moved: result.moved };
  return { status: 200, body, headers: { 'Cache-Control': 'no-store' } };
});
