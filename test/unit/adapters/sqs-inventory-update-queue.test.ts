import { createHash } from 'node:crypto';
import type { SendMessageBatchCommand, SendMessageBatchCommandOutput, SQSClient } from '@aws-sdk/client-sqs';
import { inventoryUpdateDeduplicationId, SqsInventoryUpdateQueue } from '../../../shared/adapters/sqs-inventory-update-queue';
import type { NormalizedUpdate } from '../../../shared/domain/inventory/normalize';

const update = (i: number, sku = `SKU-${i % 3}`): NormalizedUpdate => ({
  providerId: 'acme-warehouse',
  priority: 20,
  eventId: 'evt-1',
  externalSku: `ACME-${i}`,
  sku,
  onHand: i,
  version: 1_000 + i,
  occurredAt: '2026-03-02T11:59:00.000Z',
});

/** A stand-in SQS client that records each SendMessageBatch and answers with `fail` deciding which entries fail. */
function client(fail: (entryId: string) => boolean = () => false) {
  const batches: SendMessageBatchCommand['input'][] = [];
  const sqs = {
    send: async (command: SendMessageBatchCommand): Promise<Partial<SendMessageBatchCommandOutput>> => {
      batches.push(command.input);
      const entries = command.input.Entries ?? [];
      return {
        Successful: entries.filter((e) => !fail(e.Id as string)).map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: '' })),
        Failed: entries.filter((e) => fail(e.Id as string)).map((e) => ({ Id: e.Id, Code: 'InternalError', SenderFault: false })),
      };
    },
  } as unknown as SQSClient;
  return { sqs, batches };
}

describe('SqsInventoryUpdateQueue', () => {
  test('sends batches of at most ten, grouped by SKU, de-duplicated by sha256 of provider|event|external SKU, bodies the updates', async () => {
    const { sqs, batches } = client();
    const updates = Array.from({ length: 23 }, (_, i) => update(i));
    await new SqsInventoryUpdateQueue(sqs, 'https://queue').enqueue(updates);
    expect(batches.map((b) => b.Entries?.length)).toEqual([10, 10, 3]);
    const entries = batches.flatMap((b) => b.Entries ?? []);
    expect(new Set(entries.map((e) => e.Id)).size).toBe(23);
    entries.forEach((e, i) => {
      expect(e.MessageGroupId).toBe(updates[i]?.sku);
      expect(e.MessageDeduplicationId).toBe(createHash('sha256').update(`acme-warehouse|evt-1|ACME-${i}`).digest('hex'));
      expect(JSON.parse(e.MessageBody as string)).toEqual(updates[i]);
    });
    expect(batches.every((b) => b.QueueUrl === 'https://queue')).toBe(true);
  });

  test('the same line of the same event always has the same de-duplication id; another event or line another one', () => {
    const a = inventoryUpdateDeduplicationId({ providerId: 'p', eventId: 'e', externalSku: 'x' });
    expect(a).toBe(inventoryUpdateDeduplicationId({ providerId: 'p', eventId: 'e', externalSku: 'x' }));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(
      new Set([
        a,
        inventoryUpdateDeduplicationId({ providerId: 'p', eventId: 'e2', externalSku: 'x' }),
        inventoryUpdateDeduplicationId({ providerId: 'p2', eventId: 'e', externalSku: 'x' }),
        inventoryUpdateDeduplicationId({ providerId: 'p', eventId: 'e', externalSku: 'y' }),
      ]).size,
    ).toBe(4);
  });

  test('throws when any entry of a batch failed, naming how many, and sends no later batch', async () => {
    const { sqs, batches } = client((id) => id === '12');
    await expect(new SqsInventoryUpdateQueue(sqs, 'https://queue').enqueue(Array.from({ length: 25 }, (_, i) => update(i)))).rejects.toThrow(
      /failed for 1 of 10 entries: InternalError/,
    );
    expect(batches).toHaveLength(2);
  });

  test('sends nothing for no updates', async () => {
    const { sqs, batches } = client();
    await new SqsInventoryUpdateQueue(sqs, 'https://queue').enqueue([]);
    expect(batches).toEqual([]);
  });
});
