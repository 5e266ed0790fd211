import { createHash } from 'node:crypto';
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import type { NormalizedUpdate } from '../domain/inventory/normalize';
import type { InventoryUpdateQueue } from '../ports/inventory';

/** SendMessageBatch takes at most ten entries. */
const BATCH_SIZE = 10;

/**
 * The de-duplication id of one line of one provider event: a redelivered event (or a retry after a partial
 * failure) sends the same ids, and SQS drops the repeats within its 5-minute window; the consumer's conflict rules
 * make a later repeat a no-op. Hashed, because ids are at most 128 characters and event ids and SKUs are long.
 */
export function inventoryUpdateDeduplicationId(update: Pick<NormalizedUpdate, 'providerId' | 'eventId' | 'externalSku'>): string {
  return createHash('sha256').update(`${update.providerId}|${update.eventId}|${update.externalSku}`, 'utf8').digest('hex');
}

/**
 * The InventoryUpdates FIFO queue. Each message body is one NormalizedUpdate as JSON; the message group is the
 * Stockade SKU, so one SKU's updates are applied in order while different SKUs go in parallel. Batches are sent in
 * order; if any entry fails, enqueue throws (after sending the rest of that batch) so the webhook answers 5xx and
 * the provider retries the whole event: the entries that did go in are dropped as duplicates.
 */
export class SqsInventoryUpdateQueue implements InventoryUpdateQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(updates: readonly NormalizedUpdate[]): Promise<void> {
    for (let start = 0; start < updates.length; start += BATCH_SIZE) {
      const entries: SendMessageBatchRequestEntry[] = updates.slice(start, start + BATCH_SIZE).map((update, i) => ({
        Id: String(start + i),
        MessageBody: JSON.stringify(update),
        MessageGroupId: update.sku,
        MessageDeduplicationId: inventoryUpdateDeduplicationId(update),
      }));
      const result = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }));
      const failed = result.Failed ?? [];
      if (failed.length > 0) {
        const reasons = [...new Set(failed.map((f) => `${f.Code ?? 'unknown'}${f.SenderFault ? ' (sender fault)' : ''}`))].join(', ');
        throw new Error(`SendMessageBatch to the inventory updates queue failed for ${failed.length} of ${entries.length} entries: ${reasons}`);
      }
    }
  }
}
