import { randomBytes } from 'node:crypto';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { type Message, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import Stripe from 'stripe';
import { DEAD_LETTER_REASON_ATTRIBUTE } from '../../shared/adapters/sqs-dead-letters';
import { dynamoDbClient, localCredentials, queueNamed, tableNamed, testEndpoints } from '../support/endpoints';
import { until } from '../support/until';

/**
 * A message on the payment events queue that is not a ProviderEvent (written by a bug, or by hand) must not hold back
 * the real events of its PaymentIntent: the consumer sends it straight to the DLQ with the reason, and the next event
 * of the same FIFO group is applied within seconds, instead of after maxReceiveCount visibility timeouts (5 x 180 s).
 */
describe('payment events queue: a malformed message does not block its group', () => {
  const endpoints = testEndpoints();
  const sqs = new SQSClient({ endpoint: endpoints.aws.sqs, region: endpoints.region, credentials: localCredentials });
  const dynamodb = dynamoDbClient(endpoints);
  const paymentsTable = tableNamed(endpoints, 'PaymentsTable');
  const queueUrl = (prefix: string) => queueNamed(endpoints, prefix);
  const source = queueUrl('PaymentEventsQueue');
  const dlq = queueUrl('PaymentEventsDlq');
  afterAll(() => {
    sqs.destroy();
    dynamodb.destroy();
  });

  const ledgerItem = async (eventId: string) => {
    const { Item } = await dynamodb.send(
      new GetItemCommand({ TableName: paymentsTable, Key: { pk: { S: `EVENT#stripe#${eventId}` }, sk: { S: 'EVENT' } }, ConsistentRead: true }),
    );
    return Item ? unmarshall(Item) : undefined;
  };

  async function deadLettered(tag: string): Promise<Message | undefined> {
    for (let i = 0; i < 5; i++) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: dlq,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 0,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
        }),
      );
      const found = Messages.find((m) => m.Body?.includes(tag));
      if (found) return found;
    }
    return undefined;
  }

  it('dead-letters the malformed message at once, with its reason, and applies the next event of the same PaymentIntent', async () => {
    const tag = randomBytes(6).toString('hex');
    const paymentIntentId = `pi_poison${tag}`;
    const group = `stripe:${paymentIntentId}`;
    // A ProviderEvent whose amount is a string: it can never be applied.
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: source,
        MessageBody: JSON.stringify({
          provider: 'stripe',
          eventId: `evt_poison${tag}`,
          type: 'payment_intent.succeeded',
          created: 1,
          objectId: paymentIntentId,
          paymentIntent: { id: paymentIntentId, status: 'succeeded', amount: '100', currency: 'eur' },
        }),
        MessageGroupId: group,
        MessageDeduplicationId: `poison-${tag}`,
      }),
    );
    // Then a real, signed event about the same PaymentIntent, through the webhook: it lands in the same group, behind it.
    const eventId = `evt_after${tag}`;
    const body = JSON.stringify({
      id: eventId,
      object: 'event',
      created: Math.floor(Date.now() / 1000),
      type: 'payment_intent.processing',
      data: { object: { id: paymentIntentId, object: 'payment_intent', status: 'processing', amount: 100, currency: 'eur', metadata: {} } },
    });
    const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: endpoints.stripe?.webhookSecret as string });
    const response = await fetch(`${endpoints.apiUrl}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
      body,
    });
    expect(response.status).toBe(200);

    // Within far less than one visibility timeout (180 s): the malformed message did not hold the group.
    await until('the event behind the malformed message to be applied', async () => ((await ledgerItem(eventId))?.processedAt ? true : undefined), 30_000, 250);

    const dead = await until('the malformed message in the DLQ', () => deadLettered(tag), 20_000, 250);
    expect(dead.Attributes?.MessageGroupId).toBe(group);
    expect(dead.MessageAttributes?.[DEAD_LETTER_REASON_ATTRIBUTE]?.StringValue).toBe('The message body is malformed: paymentIntent.amount: invalid_type');
    expect(await ledgerItem(`evt_poison${tag}`)).toBeUndefined();
  }, 60_000);
});
