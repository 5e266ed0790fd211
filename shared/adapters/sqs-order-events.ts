import { type SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { OrderEvents } from '../ports/order-events';

/** OrderConfirmed events on the fulfilment queue: `{ type, orderId }`, nothing personal. */
export class SqsOrderEvents implements OrderEvents {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async orderConfirmed(orderId: string): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify({ type: 'OrderConfirmed', orderId }),
        MessageAttributes: { type: { DataType: 'String', StringValue: 'OrderConfirmed' } },
      }),
    );
  }
}
