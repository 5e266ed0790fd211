import { randomBytes } from 'node:crypto';
import { GetQueueAttributesCommand, type Message, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { DynamoDbCatalogRepository } from '../../shared/adapters/dynamodb-catalog-repository';
import { DynamoDbInventoryLedger } from '../../shared/adapters/dynamodb-inventory-ledger';
import { DEAD_LETTER_REASON_ATTRIBUTE } from '../../shared/adapters/sqs-dead-letters';
import type { NormalizedUpdate } from '../../shared/domain/inventory/normalize';
import { apiCaller } from '../support/api';
import { auditUntil } from '../support/audit-pages';
import { dynamoDbClient, localCredentials, queueNamed, tableNamed, testEndpoints } from '../support/endpoints';
import { cognitoClient, signIn } from '../support/identity';
import { decodeJwt } from '../support/jwt-forge';
import { stockedSkus } from '../support/order-builders';
import { until } from '../support/until';

/**
 * The runtime's InventoryUpdates FIFO queue and its consumer (ApplyInventoryUpdates, from the template's event source
 * mapping), with a poison message in a batch of ten: the nine others are applied and recorded, the poison one is
 * retried until maxReceiveCount and dead-lettered, an admin's POST /admin/queues/inventory-updates/redrive moves it
 * back (audited), it fails again and returns to the DLQ. Every message sent is either applied or dead-lettered.
 * Other suites share the queue, so only this test's messages are counted.
 */
describe('inventory updates queue: poison message, DLQ and redrive', () => {
  const endpoints = testEndpoints();
  const users = endpoints.users as NonNullable<typeof endpoints.users>;
  const catalogTable = tableNamed(endpoints, 'CatalogTable');
  const dynamodb = dynamoDbClient(endpoints);
  const catalog = new DynamoDbCatalogRepository(dynamodb, catalogTable);
  const ledger = new DynamoDbInventoryLedger(dynamodb, catalogTable);
  const sqs = new SQSClient({ endpoint: endpoints.aws.sqs, region: endpoints.region, credentials: localCredentials });
  const call = apiCaller(endpoints.apiUrl);
  const queueUrl = (prefix: string) => queueNamed(endpoints, prefix);
  const source = queueUrl('InventoryUpdatesQueue');
  const dlq = queueUrl('InventoryUpdatesDlq');
  const tag = randomBytes(4).toString('hex');
  afterAll(() => {
    sqs.destroy();
    dynamodb.destroy();
  });

  /** This test's messages in a queue, seen without taking them (visibility 0); a FIFO queue shows one per group per receive. */
  async function peek(queue: string): Promise<Message[]> {
    const seen = new Map<string, Message>();
    for (let i = 0; i < 5; i++) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queue,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 0,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      );
      for (const m of Messages) seen.set(m.MessageId as string, m);
    }
    return [...seen.values()].filter((m) => m.Body?.includes(tag));
  }
  async function depth(queue: string): Promise<number> {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queue, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
  }
  async function onHand(sku: string): Promise<number> {
    const { Item } = await dynamodb.send(
      new GetItemCommand({ TableName: catalogTable, Key: { pk: { S: `SKU#${sku}` }, sk: { S: 'SKU' } }, ConsistentRead: true }),
    );
    return Number(unmarshall(Item ?? {}).onHand);
  }

  it('applies nine of ten, sends the malformed one straight to the DLQ with its reason, and an admin redrive brings it back without losing anything', async () => {
    const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: source, AttributeNames: ['RedrivePolicy'] }));
    const maxReceiveCount = Number((JSON.parse(Attributes.RedrivePolicy ?? '{}') as { maxReceiveCount?: number }).maxReceiveCount);
    expect(maxReceiveCount).toBeGreaterThanOrEqual(3);

    const skus = (await stockedSkus(catalog, { prefix: 'POISON', count: 10, stock: 50 })).map((p) => p.sku);
    const updates: NormalizedUpdate[] = skus.map((sku, i) => ({
      providerId: 'acme-warehouse',
      priority: 20,
      eventId: `poison-${tag}`,
      externalSku: `EXT-${sku}`,
      sku,
      onHand: 10 + i,
      version: 1,
      occurredAt: new Date().toISOString(),
    }));
    const poisonIndex = 4;
    // Fails the message schema (a negative onHand never leaves the normalizer), so every attempt fails.
    const bodies = updates.map((u, i) => JSON.stringify(i === poisonIndex ? { ...u, onHand: -1 } : u));
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: source,
        Entries: bodies.map((body, i) => ({ Id: String(i), MessageBody: body, MessageGroupId: skus[i] as string, MessageDeduplicationId: `${tag}-${i}` })),
      }),
    );
    expect(sent.Successful).toHaveLength(10);
    const good = updates.filter((_, i) => i !== poisonIndex);
    const poisonSku = skus[poisonIndex] as string;

    const recorded = async () =>
      (await Promise.all(good.map((u) => ledger.history(u.sku, 5)))).filter((h) => h.some((e) => e.eventId === `poison-${tag}` && e.outcome === 'apply'))
        .length;
    const deadLettered = await until(
      'the nine applied and the poison message dead-lettered',
      async () => {
        const dead = await peek(dlq);
        return (await recorded()) === 9 && dead.length === 1 ? dead : undefined;
      },
      90_000,
      500,
    );
    for (const u of good) expect({ sku: u.sku, onHand: await onHand(u.sku) }).toEqual({ sku: u.sku, onHand: u.onHand });
    expect(await onHand(poisonSku)).toBe(50);
    expect(await ledger.history(poisonSku, 5)).toEqual([]);
    const [dead] = deadLettered as [Message];
    expect(dead.Body).toBe(bodies[poisonIndex]);
    expect(dead.Attributes?.MessageGroupId).toBe(poisonSku);
    // Not retried maxReceiveCount times (each retry would hold back its SKU's group): the consumer sent it to the DLQ
    // on its first receive, saying why by field and rule, without a copy of any value.
    expect(dead.MessageAttributes?.[DEAD_LETTER_REASON_ATTRIBUTE]?.StringValue).toMatch(/^The message body is malformed: onHand: too_small$/);
    expect(await peek(source)).toEqual([]);

    const client = cognitoClient();
    const admin = await signIn(client, users.admin);
    const customer = await signIn(client, users.customer);
    client.destroy();
    expect((await call('POST', '/admin/queues/inventory-updates/redrive', customer)).status).toBe(403);
    const unknown = await call('POST', '/admin/queues/no-such-queue/redrive', admin);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    expect(await depth(dlq)).toBeGreaterThanOrEqual(1);

    const dlqBefore = await depth(dlq);
    const redriven = await call('POST', '/admin/queues/inventory-updates/redrive', admin);
    expect(redriven.status).toBe(200);
    // Only this test's message is in the DLQ, unless another suite left one there too.
    expect(redriven.body).toEqual({ moved: dlqBefore });
    expect(await peek(dlq)).toEqual([]);

    // Back in its queue with a fresh de-duplication id (not swallowed as a repeat), same group; it fails again,
    // is retried, and returns to the DLQ: nothing is lost, nothing applied twice.
    const back = await until(
      'the redriven message dead-lettered again',
      async () => {
        const again = await peek(dlq);
        return again.length === 1 ? again : undefined;
      },
      90_000,
      500,
    );
    expect(back[0]?.Body).toBe(bodies[poisonIndex]);
    expect(back[0]?.Attributes?.MessageGroupId).toBe(poisonSku);
    expect(back[0]?.MessageId).not.toBe(dead.MessageId);
    expect(back[0]?.MessageAttributes?.[DEAD_LETTER_REASON_ATTRIBUTE]?.StringValue).toContain('onHand');
    expect(await peek(source)).toEqual([]);
    const applied = await recorded();
    expect({ sent: bodies.length, accounted: applied + back.length }).toEqual({ sent: 10, accounted: 10 });
    for (const u of good) expect((await ledger.history(u.sku, 5)).filter((e) => e.eventId === `poison-${tag}`)).toHaveLength(1);

    const sub = String(decodeJwt(admin).payload.sub);
    const audit = await auditUntil(call, admin, (read) => read.some((e) => e.target === 'queue:no-such-queue' && e.actor === sub));
    const redrives = audit.filter((e) => e.action === 'queue.redrive' && e.actor === sub);
    expect(redrives).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ target: 'queue:inventory-updates', outcome: 'succeeded', detail: expect.stringContaining(`moved ${dlqBefore} message(s)`) }),
        expect.objectContaining({ target: 'queue:no-such-queue', outcome: 'failed' }),
      ]),
    );
  }, 240_000);
});
