import type { AuditActor, AuditLog } from '../../ports/audit-log';
import type { DeadLetterRedrive } from '../../ports/dead-letter-redrive';
import { NotFoundError } from '../errors';
import { TransientError } from '../orders/saga-errors';
import type { Clock } from '../../ports/clock';
import { originOf } from './audit-trail';

export interface RedriveQueueDeps {
  readonly queues: DeadLetterRedrive;
  readonly audit: AuditLog;
  readonly now: Clock;
}

/**
 * An admin moves a queue's dead-lettered messages back to it (POST /admin/queues/{queueName}/redrive), within the
 * given bounds; run it again while messages remain. Every attempt is audited as `queue.redrive`, including one for a
 * queue that is not on the stage's list (404) and one the source queue refused part-way (503, with what was moved).
 * Consumers are idempotent, so a message that is moved twice (a delete lost after its send) does no harm.
 */
export async function redriveQueue(
  deps: RedriveQueueDeps,
  actor: AuditActor,
  queueName: string,
  limits: { readonly maxMessages: number; readonly budgetMs: number },
): Promise<{ moved: number }> {
  const audit = (outcome: 'succeeded' | 'failed', detail: string) =>
    deps.audit.append({
      at: deps.now().toISOString(),
      actor: actor.sub,
      action: 'queue.redrive',
      target: `queue:${queueName}`,
      outcome,
      detail,
      ...originOf(actor),
    });
  if (!deps.queues.knows(queueName)) {
    await audit('failed', 'no such queue');
    throw new NotFoundError(`There is no queue ${queueName} to redrive`);
  }
  const deadline = new Date(deps.now().getTime() + limits.budgetMs);
  let result;
  try {
    result = await deps.queues.redrive(queueName, { maxMessages: limits.maxMessages, deadline });
  } catch (error) {
    await audit('failed', `redrive failed: ${(error as Error).name}`);
    throw error;
  }
  if (result.stoppedBy === 'send-failed') {
    await audit('failed', `moved ${result.moved} message(s) from the dead-letter queue, then the queue refused one`);
    throw new TransientError(`The queue ${queueName} refused a redriven message after ${result.moved} were moved`);
  }
  await audit('succeeded', `moved ${result.moved} message(s) from the dead-letter queue back to the queue (stopped: ${result.stoppedBy})`);
  return { moved: result.moved };
}
