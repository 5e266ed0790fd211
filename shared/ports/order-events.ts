/** What the rest of the system learns about orders (the fulfilment queue). */
export interface OrderEvents {
  /** Publishes OrderConfirmed; consumers are idempotent, so publishing twice is harmless. */
  orderConfirmed(orderId: string): Promise<void>;
}
