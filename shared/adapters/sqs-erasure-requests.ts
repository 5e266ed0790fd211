import { type SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { ErasureRequest, ErasureRequests } from '../ports/personal-data';

/**
 * Erasure requests on their KMS-encrypted queue, for the erasure run (functions/privacy/erase-customers.ts). The
 * message is the one place the customer's sub and its pseudonym meet; it is deleted once the run succeeded.
 */
export class SqsErasureRequests implements ErasureRequests {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async submit(request: ErasureRequest): Promise<void> {
    await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify({ type: 'ErasureRequested', ...request }) }));
  }
}
