import type { ProviderChannels, StockNotification, StockNotificationOutbox } from '../../ports/inventory';
import { ProviderUnavailableError } from './provider-unavailable';
import type { Clock } from '../../ports/clock';

export interface RelayDeps {
  readonly outbox: StockNotificationOutbox;
  readonly channels: ProviderChannels;
  readonly now: Clock;
}

export interface RelayOptions {
  /** Notices read per page. */
  readonly batchSize: number;
  /** No new notice is sent after this instant (the run must end, and release its claims, before its timeout). */
  readonly deadline: Date;
}

/**
 * What a run did for one provider. `delivered`: nothing left pending. `circuit-open`: skipped, or stopped when
 * the circuit opened. `failed`: a notice kept failing (after its retries); it and those after it stay pending.
 * `busy`: another run holds the provider. `out-of-time`: the deadline came first.
 */
export interface ProviderRelayReport {
  readonly providerId: string;
  readonly outcome: 'delivered' | 'circuit-open' | 'failed' | 'busy' | 'out-of-time';
  readonly sent: number;
  /** Notices still pending that this run saw (a lower bound when there are more than a page). */
  readonly pending: number;
  /** Age of the oldest notice still pending, in seconds; 0 when none is. */
  readonly oldestPendingSeconds: number;
  readonly error?: string;
}

/**
 * The outbox relay: tells each provider, oldest first, about the sales and cancellations of its SKUs. A provider
 * is talked to by one run at a time. While its circuit is open it is skipped and its notices stay pending; once it
 * half-opens, the oldest pending notice is the trial call (or, with none pending, one snapshot page, so the
 * circuit does not stay half-open on a provider that is still down). Notices go in order and a provider's run
 * stops at the first one that still fails after its retries, so a provider never hears of a cancellation before
 * the sale it cancels. A notice is marked sent only after the provider accepted it: a run that dies in between
 * sends it again, under the same notificationId, which the provider de-duplicates.
 */
export async function relayStockNotifications(deps: RelayDeps, providerIds: readonly string[], options: RelayOptions): Promise<ProviderRelayReport[]> {
  const reports: ProviderRelayReport[] = [];
  for (const providerId of providerIds) reports.push(await relayProvider(deps, providerId, options));
  return reports;
}

async function relayProvider(deps: RelayDeps, providerId: string, options: RelayOptions): Promise<ProviderRelayReport> {
  const report = (outcome: ProviderRelayReport['outcome'], sent: number, left: readonly StockNotification[], error?: string): ProviderRelayReport => ({
    providerId,
    outcome,
    sent,
    pending: left.length,
    oldestPendingSeconds: left[0] ? Math.max(0, Math.round((deps.now().getTime() - Date.parse(left[0].at)) / 1000)) : 0,
    ...(error ? { error } : {}),
  });
  const channel = await deps.channels.open(providerId);
  // Read only once claimed: what another run is sending right now is not pending for this one.
  if (!channel) return report('busy', 0, await deps.outbox.pending(providerId, options.batchSize));
  try {
    let sent = 0;
    for (;;) {
      const page = await deps.outbox.pending(providerId, options.batchSize);
      const position = channel.circuit();
      if (position === 'open') return report('circuit-open', sent, page);
      if (page.length === 0) {
        if (position === 'half-open') await channel.api.snapshot(undefined).catch(() => undefined);
        return report(channel.circuit() === 'open' ? 'circuit-open' : 'delivered', sent, []);
      }
      for (const [i, notification] of page.entries()) {
        if (deps.now() >= options.deadline) return report('out-of-time', sent, page.slice(i));
        try {
          await channel.api.notify(notification);
        } catch (error) {
          const outcome = error instanceof ProviderUnavailableError || channel.circuit() === 'open' ? 'circuit-open' : 'failed';
          return report(outcome, sent, page.slice(i), error instanceof Error ? error.message : String(error));
        }
        await deps.outbox.markSent(notification, deps.now().toISOString());
        sent += 1;
      }
      if (page.length < options.batchSize) return report('delivered', sent, []);
    }
  } finally {
    await channel.close();
  }
}
