import { type SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

/** Message attribute that says why a message was dead-lettered by its consumer (never a copy of its content). */
export const DEAD_LETTER_REASON_ATTRIBUTE = 'StockadeDeadLetterReason';
const MAX_REASON_LENGTH = 1024;

/**
 * Sends a message that can never succeed (it is not JSON, or fails its queue's schema) straight to the queue's DLQ,
 * with the reason, instead of failing it maxReceiveCount times: on a FIFO queue each failure would hold back the rest
 * of its message group for a visibility timeout. The body and attributes are kept as they were, so a redrive after a
 * fix brings back exactly what was sent; on a FIFO DLQ the message keeps its group.
 */
export class SqsDeadLetters {
  private readonly fifo: boolean;

  constructor(
    private readonly client: SQSClient,
    private readonly deadLetterQueueUrl: string,
  ) {
    this.fifo = deadLetterQueueUrl.endsWith('.fifo');
  }

  async send(record: SQSRecord, reason: string): Promise<void> {
    const attributes = Object.fromEntries(
      Object.entries(record.messageAttributes ?? {})
        .filter(([name, a]) => name !== DEAD_LETTER_REASON_ATTRIBUTE && a.stringValue !== undefined)
        .map(([name, a]) => [name, { DataType: a.dataType, StringValue: a.stringValue }]),
    );
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.deadLetterQueueUrl,
        MessageBody: record.body,
        MessageAttributes: { ...attributes, [DEAD_LETTER_REASON_ATTRIBUTE]: { DataType: 'String', StringValue: reason.slice(0, MAX_REASON_LENGTH) } },
        ...(this.fifo
          ? { MessageGroupId: record.attributes.MessageGroupId ?? 'dead-letters', MessageDeduplicationId: `dead-lettered-${record.messageId}` }
          : {}),
      }),
    );
  }
}
