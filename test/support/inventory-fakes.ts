import { decideAdjustment, VENDOR_SOURCE } from '../../shared/domain/inventory/conflict-rules';
import type { VendorStockAdjustment } from '../../shared/domain/model/inventory';
import type {
  InventoryLedger,
  InventoryLedgerEntry,
  InventoryProviderApi,
  ProviderCircuitStore,
  ProviderHealth,
  StockNotification,
  StockNotificationOutbox,
  VendorAdjustmentResult,
} from '../../shared/ports/inventory';
import type { FakeCatalog } from './fakes';

/** In-memory outbox with the adapter's contract: pending oldest first, marked sent once. */
export class FakeOutbox implements StockNotificationOutbox {
  readonly items: Array<{ notification: StockNotification; sentAt?: string }> = [];
  add(...notifications: StockNotification[]): this {
    for (const n of notifications) this.items.push({ notification: structuredClone(n) });
    return this;
  }
  async pending(providerId: string, limit: number) {
    return this.items
      .filter((i) => i.notification.providerId === providerId && i.sentAt === undefined)
      .sort((a, b) => a.notification.at.localeCompare(b.notification.at))
      .slice(0, limit)
      .map((i) => structuredClone(i.notification));
  }
  async markSent(notification: StockNotification, at: string) {
    const item = this.items.find((i) => i.notification.notificationId === notification.notificationId);
    if (!item || item.sentAt !== undefined) return false;
    item.sentAt = at;
    return true;
  }
  sent(providerId: string): string[] {
    return this.items.filter((i) => i.notification.providerId === providerId && i.sentAt !== undefined).map((i) => i.notification.notificationId);
  }
}

/** In-memory circuit store: claims with expiry, the breaker state kept per provider, CIRCUIT items by provider. */
export class FakeCircuitStore implements ProviderCircuitStore {
  readonly circuits = new Map<string, { openUntil: Date; openedAt: Date }>();
  readonly relays = new Map<string, { owner?: string; leaseUntil?: Date; breaker?: unknown }>();
  readonly events: string[] = [];
  async isOpen(providerId: string, now: Date) {
    const c = this.circuits.get(providerId);
    return c !== undefined && c.openUntil.getTime() > now.getTime();
  }
  async claim(providerId: string, owner: string, leaseUntil: Date, now: Date) {
    const relay = this.relays.get(providerId) ?? {};
    if (relay.leaseUntil && relay.leaseUntil.getTime() >= now.getTime()) return undefined;
    this.relays.set(providerId, { ...relay, owner, leaseUntil });
    return relay.breaker === undefined ? {} : { breaker: structuredClone(relay.breaker) };
  }
  async release(providerId: string, owner: string, breaker: unknown) {
    const relay = this.relays.get(providerId);
    if (relay?.owner !== owner) return;
    // As DynamoDB stores it: JSON, so nothing but data survives.
    this.relays.set(providerId, { breaker: JSON.parse(JSON.stringify(breaker)) as unknown });
  }
  async opened(providerId: string, openUntil: Date, at: Date) {
    this.events.push(`opened ${providerId}`);
    this.circuits.set(providerId, { openUntil, openedAt: at });
  }
  async closed(providerId: string) {
    this.events.push(`closed ${providerId}`);
    this.circuits.delete(providerId);
  }
}

/** Which providers' circuits are open. */
export class FakeHealth implements ProviderHealth {
  readonly open = new Set<string>();
  readonly asked: string[] = [];
  async isOpen(providerId: string) {
    this.asked.push(providerId);
    return this.open.has(providerId);
  }
}

type SnapshotPage = Awaited<ReturnType<InventoryProviderApi['snapshot']>>;

/**
 * A provider API played in memory: `up` accepts, `down` fails every call, `hang` never answers until aborted.
 * Every call is counted; accepted notices are kept in order, with how often each was delivered.
 */
export class FakeProviderApi {
  mode: 'up' | 'down' | 'hang' = 'up';
  calls = 0;
  readonly received: StockNotification[] = [];
  readonly deliveries = new Map<string, number>();
  pages: SnapshotPage[] = [];
  /** Fails the call with this index (0-based, over all calls) whatever the mode. */
  failCall?: number;
  async notify(notification: StockNotification, signal?: AbortSignal): Promise<void> {
    await this.answer(signal);
    const times = (this.deliveries.get(notification.notificationId) ?? 0) + 1;
    this.deliveries.set(notification.notificationId, times);
    if (times === 1) this.received.push(notification);
  }
  async snapshot(cursor: string | undefined, signal?: AbortSignal): Promise<SnapshotPage> {
    await this.answer(signal);
    const page = this.pages[cursor === undefined ? 0 : Number(cursor)];
    if (!page) throw new Error(`no page ${cursor}`);
    return page;
  }
  private async answer(signal?: AbortSignal): Promise<void> {
    const call = this.calls++;
    if (this.mode === 'hang') {
      await new Promise<void>((_, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted'))));
    }
    if (this.mode === 'down' || call === this.failCall) throw new Error('provider down');
  }
}

/** A sale notice of `orderId` for `providerId`, at `at`. */
export function saleNotice(providerId: string, orderId: string, at: string, lines = [{ sku: 'MUG-SLATE', quantity: 1 }]): StockNotification {
  return { notificationId: `sale-${orderId}-${providerId}`, providerId, kind: 'sale', orderId, lines, at };
}

/**
 * The inventory ledger over a FakeCatalog's SKUs, for vendor adjustments: decided by the same rules as the adapter
 * (decideAdjustment), an applied one changes the SKU's onHand and is recorded; providers' updates are not faked.
 * `providerPriorities` gives the priority of each provider a SKU's stockSource may name.
 */
export class FakeInventoryLedger implements InventoryLedger {
  readonly entries: InventoryLedgerEntry[] = [];
  private readonly versions = new Map<string, number>();

  constructor(
    private readonly catalog: FakeCatalog,
    private readonly providerPriorities: Readonly<Record<string, number>> = {},
  ) {}

  async apply(): Promise<InventoryLedgerEntry> {
    throw new Error('FakeInventoryLedger fakes vendor adjustments only');
  }

  async history(sku: string, limit: number) {
    return this.entries
      .filter((e) => e.sku === sku)
      .reverse()
      .slice(0, limit);
  }

  async adjust(adjustment: VendorStockAdjustment, at: string): Promise<VendorAdjustmentResult> {
    const record = [...this.catalog.records.values()].find((r) => r.skus.some((s) => s.sku === adjustment.sku));
    const sku = record?.skus.find((s) => s.sku === adjustment.sku);
    if (!record || !sku) return { kind: 'unknown-sku' };
    const seen = this.versions.get(sku.sku);
    const decision = decideAdjustment(
      {
        onHand: sku.onHand,
        reserved: sku.reserved,
        versions: seen === undefined ? {} : { [VENDOR_SOURCE]: seen },
        ...(sku.stockSource ? { source: { providerId: sku.stockSource, priority: this.providerPriorities[sku.stockSource] ?? 0 } } : {}),
      },
      adjustment,
      at,
    );
    if (decision.kind !== 'apply') return decision;
    this.versions.set(sku.sku, decision.update.version);
    this.catalog.records.set(record.product.productId, {
      ...record,
      skus: record.skus.map((s) => (s.sku === sku.sku ? { ...s, onHand: decision.onHand, version: s.version + 1 } : s)),
    });
    const entry: InventoryLedgerEntry = {
      sku: sku.sku,
      at,
      providerId: VENDOR_SOURCE,
      eventId: adjustment.adjustmentId,
      externalSku: sku.sku,
      version: decision.update.version,
      outcome: 'apply',
      before: sku.onHand,
      after: decision.onHand,
      reported: decision.onHand,
      reason: adjustment.reason,
    };
    this.entries.push(entry);
    return { kind: 'applied', entry };
  }
}
