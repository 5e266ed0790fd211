import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DeadLetterRedrive, RedriveResult } from '../ports/dead-letter-redrive';
import type { Clock } from '../ports/clock';
import { systemClock } from './system-clock';

/** A queue an operator may redrive: its URL and its DLQ's. */
export interface RedrivableQueue {
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
}

/**
 * How long a message received from the DLQ stays invisible: longer than any run, so a message this run skipped (or
 * could not send) is not received twice by it, and short enough that it is back in the DLQ soon after.
 */
const HOLD_SECONDS = 60;

/**
 * Redrive done by hand, because SQS's own StartMessageMoveTask is not in every SQS (the local emulator lacks it):
 * receive from the DLQ, send to the source queue, then delete from the DLQ. A FIFO message keeps its message group
 * and gets a fresh de-duplication id (`redrive-<messageId>`), or the source queue would drop it as a repeat of the
 * original within its 5-minute window. A message that comes back to the DLQ while the run is still going (it failed
 * again, or its consumer dead-lettered it as malformed) is left there for the next run instead of going round in
 * circles.
 */
export class SqsDeadLetterRedrive implements DeadLetterRedrive {
  constructor(
    private readonly client: SQSClient,
    private readonly queues: Readonly<Record<string, RedrivableQueue>>,
    private readonly now: Clock = systemClock,
  ) {}

  knows(queueName: string): boolean {
    return Object.hasOwn(this.queues, queueName);
  }

  async redrive(queueName: string, limits: { maxMessages: number; deadline: Date }): Promise<RedriveResult> {
    if (!this.knows(queueName)) throw new Error(`No redrivable queue ${queueName}`);
    const queue = this.queues[queueName] as RedrivableQueue;
    const fifo = queue.queueUrl.endsWith('.fifo');
    const movedHere = new Set<string>();
    const startedAt = this.now().getTime();
    let moved = 0;
    for (;;) {
      if (moved >= limits.maxMessages) return { moved, stoppedBy: 'max-messages' };
      if (this.now() >= limits.deadline) return { moved, stoppedBy: 'deadline' };
      const received = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: queue.deadLetterQueueUrl,
          MaxNumberOfMessages: Math.min(10, limits.maxMessages - moved),
          WaitTimeSeconds: 1,
          VisibilityTimeout: HOLD_SECONDS,
          MessageSystemAttributeNames: ['MessageGroupId', 'MessageDeduplicationId', 'SentTimestamp'],
          MessageAttributeNames: ['All'],
        }),
      );
      const messages = received.Messages ?? [];
      if (messages.length === 0) return { moved, stoppedBy: 'empty' };
      // Moved here by this run and dead-lettered again: by the redrive policy (same message id) or by its consumer,
      // which sends a malformed message to the DLQ itself (a new message, sent after this run started).
      const batch = messages.filter((m) => !movedHere.has(m.MessageId ?? '') && !(Number(m.Attributes?.SentTimestamp) >= startedAt));
      if (batch.length === 0) continue;
      const sent = await this.client.send(
        new SendMessageBatchCommand({ QueueUrl: queue.queueUrl, Entries: batch.map((m, i) => sendEntry(m, String(i), fifo)) }),
      );
      const succeeded = (sent.Successful ?? []).map((s) => ({ message: batch[Number(s.Id)] as Message, newId: s.MessageId ?? '' }));
      for (const s of succeeded) movedHere.add(s.newId);
      if (succeeded.length > 0) {
        await this.client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queue.deadLetterQueueUrl,
            Entries: succeeded.map((s, i) => ({ Id: String(i), ReceiptHandle: s.message.ReceiptHandle })),
          }),
        );
      }
      moved += succeeded.length;
      // The rest stay in the DLQ (invisible for HOLD_SECONDS). Going on past a refusal would break a FIFO group's order.
      if ((sent.Failed ?? []).length > 0) return { moved, stoppedBy: 'send-failed' };
    }
  }
}

function sendEntry(message: Message, id: string, fifo: boolean): SendMessageBatchRequestEntry {
  const groupId = message.Attributes?.MessageGroupId;
  return {
    Id: id,
    MessageBody: message.Body ?? '',
    ...(message.MessageAttributes && Object.keys(message.MessageAttributes).length > 0 ? { MessageAttributes: message.MessageAttributes } : {}),
    ...(fifo ? { MessageGroupId: groupId ?? 'redrive', MessageDeduplicationId: `redrive-${message.MessageId}` } : {}),
  };
}
