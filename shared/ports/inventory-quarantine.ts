import type { ProviderStockLine } from '../domain/model/inventory';

/** A provider line that could not be translated into Stockade's SKU and eaches, kept for an operator. */
export interface QuarantinedLine {
  readonly providerId: string;
  readonly eventId: string;
  readonly occurredAt: string;
  readonly externalSku: string;
  /** normalizeLine's reason: unknown-sku, unknown-unit:<unit>, invalid-quantity, fractional-quantity, invalid-version. */
  readonly reason: string;
  /** The line as the provider sent it. */
  readonly line: ProviderStockLine;
  readonly receivedAt: string;
}

/**
 * Where quarantined provider lines are recorded. Recording the same line of the same event again (a redelivery)
 * keeps the first record and is not an error.
 */
export interface InventoryQuarantine {
  record(lines: readonly QuarantinedLine[]): Promise<void>;
}
