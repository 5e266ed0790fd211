import { type SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { PaymentEventQueue, ProviderEvent } from '../ports/payment-events';

/**
 * The payment events FIFO queue: grouped by the object the event is about (a PaymentIntent), so its events are
 * applied in order; de-duplicated by the provider's event id (SQS drops a repeat within 5 minutes; the consumer
 * skips an event the ledger says was applied).
 */
export class SqsPaymentEventQueue implements PaymentEventQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(event: ProviderEvent): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(event),
        MessageGroupId: `${event.provider}:${event.objectId ?? event.eventId}`,
        MessageDeduplicationId: `${event.provider}:${event.eventId}`,
      }),
    );
  }
}
