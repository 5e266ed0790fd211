import { ChangeMessageVisibilityBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

/**
 * Brings failed records of a batch back sooner than the queue's visibility timeout, with exponential backoff by
 * receive count (1 s, 2 s, 4 s… up to `maxSeconds`). On a FIFO queue a failed record holds back the rest of its
 * message group until it is visible again, so waiting out a visibility timeout sized for the slowest batch (six times
 * the consumer timeout) on every attempt would freeze that group for many minutes before a poison message reached the
 * DLQ. Best effort: a record whose visibility cannot be changed simply waits out the full timeout.
 */
export class SqsRetryBackoff {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly options: { baseSeconds: number; maxSeconds: number } = { baseSeconds: 1, maxSeconds: 60 },
  ) {}

  /** The delay before a record received `receiveCount` times is tried again. */
  delaySeconds(receiveCount: number): number {
    const attempt = Math.max(1, Number.isSafeInteger(receiveCount) ? receiveCount : 1);
    return Math.min(this.options.maxSeconds, this.options.baseSeconds * 2 ** Math.min(attempt - 1, 16));
  }

  /** Sets each failed record's visibility to its backoff; resolves with the ids whose visibility could not be set. */
  async retryLater(records: readonly SQSRecord[], failedMessageIds: ReadonlySet<string>): Promise<string[]> {
    const failed = records.filter((r) => failedMessageIds.has(r.messageId));
    const notChanged: string[] = [];
    for (let i = 0; i < failed.length; i += 10) {
      const chunk = failed.slice(i, i + 10);
      const entries = chunk.map((r, j) => ({
        Id: String(j),
        ReceiptHandle: r.receiptHandle,
        VisibilityTimeout: this.delaySeconds(Number(r.attributes.ApproximateReceiveCount)),
      }));
      try {
        const result = await this.client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }));
        for (const f of result.Failed ?? []) notChanged.push(chunk[Number(f.Id)]?.messageId ?? String(f.Id));
      } catch {
        notChanged.push(...chunk.map((r) => r.messageId));
      }
    }
    return notChanged;
  }
}
