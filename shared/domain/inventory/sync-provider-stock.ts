import type { InventoryProviderApi, InventoryUpdateQueue, ProviderHealth } from '../../ports/inventory';
import type { InventoryQuarantine, QuarantinedLine } from '../../ports/inventory-quarantine';
import { type NormalizedUpdate, normalizeLine } from './normalize';
import type { InventoryProviders } from './provider-config';
import type { Clock } from '../../ports/clock';

export interface SyncDeps {
  readonly providers: InventoryProviders;
  /** Each provider's API (with its timeout and retries), by id. */
  readonly apis: ReadonlyMap<string, Pick<InventoryProviderApi, 'snapshot'>>;
  /** A provider whose circuit is open is not asked: the relay finds out when it is back. */
  readonly health: ProviderHealth;
  readonly queue: InventoryUpdateQueue;
  readonly quarantine: InventoryQuarantine;
  readonly now: Clock;
}

export interface ProviderSyncReport {
  readonly providerId: string;
  readonly outcome: 'synced' | 'circuit-open' | 'failed';
  readonly pages: number;
  readonly queued: number;
  readonly quarantined: number;
  readonly error?: string;
}

/**
 * The full sync: pages through each provider's stock snapshot and puts every line through the same translation
 * (normalizeLine) and the same queue as the webhook, as the event `sync-<providerId>-<takenAt>` that occurred at
 * `takenAt`. The consumer's conflict rules then treat it like any update (a line without a version is as new as
 * the snapshot), so a missed webhook heals and an older snapshot never undoes a newer webhook. Lines that cannot be
 * translated are quarantined. A provider that fails is reported and the others still sync; each page is queued as
 * it arrives, and a repeated run queues the same events again, which the queue and the rules make harmless.
 */
export async function syncProviderStock(deps: SyncDeps, options: { readonly maxPages: number }): Promise<ProviderSyncReport[]> {
  const reports: ProviderSyncReport[] = [];
  for (const [providerId, settings] of Object.entries(deps.providers.providers)) {
    const api = deps.apis.get(providerId);
    if (!api) throw new Error(`No API for inventory provider ${providerId}`);
    let pages = 0;
    let queued = 0;
    let quarantined = 0;
    const report = (outcome: ProviderSyncReport['outcome'], error?: string): ProviderSyncReport => ({
      providerId,
      outcome,
      pages,
      queued,
      quarantined,
      ...(error ? { error } : {}),
    });
    if (await deps.health.isOpen(providerId, deps.now())) {
      reports.push(report('circuit-open'));
      continue;
    }
    try {
      let cursor: string | undefined;
      do {
        const page = await api.snapshot(cursor);
        pages += 1;
        const event = { eventId: `sync-${providerId}-${page.takenAt}`, occurredAt: page.takenAt };
        const accepted: NormalizedUpdate[] = [];
        const refused: QuarantinedLine[] = [];
        const receivedAt = deps.now().toISOString();
        for (const line of page.lines) {
          const result = normalizeLine({ id: providerId, settings }, event, line);
          if (result.ok) accepted.push(result.update);
          else refused.push({ providerId, ...event, externalSku: line.externalSku, reason: result.reason, line, receivedAt });
        }
        if (refused.length > 0) await deps.quarantine.record(refused);
        if (accepted.length > 0) await deps.queue.enqueue(accepted);
        queued += accepted.length;
        quarantined += refused.length;
        cursor = page.nextCursor;
      } while (cursor !== undefined && pages < options.maxPages);
      reports.push(report(cursor === undefined ? 'synced' : 'failed', cursor === undefined ? undefined : `stopped after ${pages} pages`));
    } catch (error) {
      reports.push(report('failed', error instanceof Error ? error.message : String(error)));
    }
  }
  return reports;
}
