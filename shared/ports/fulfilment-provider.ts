import type { StoredOrder } from '../domain/model/order';

/** The outside fulfilment service (a warehouse or 3PL). */
export interface FulfilmentProvider {
  /** Hands the order over; idempotent per order id. Resolves the provider's reference once it accepted the order. */
  submit(order: StoredOrder): Promise<{ reference: string }>;
}
