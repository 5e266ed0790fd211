import type { StoredOrder } from '../domain/orders/order';
import type { FulfilmentProvider } from '../ports/fulfilment-provider';
import type { FulfilmentErasure } from '../ports/personal-data';

/**
 * A fulfilment provider's HTTP API: `POST {baseUrl}/shipments` with a bearer API key and the order id as the
 * Idempotency-Key; the body names SKUs and quantities, the address to ship to, the contact e-mail and the shipping
 * option (nothing of the payment). 2xx with `{ reference }` means accepted.
 */
export class HttpFulfilmentProvider implements FulfilmentProvider, FulfilmentErasure {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: () => Promise<string>,
    private readonly timeoutMs = 5_000,
  ) {}

  async submit(order: StoredOrder): Promise<{ reference: string }> {
    const response = await fetch(new URL('shipments', this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await this.apiKey()}`, 'idempotency-key': order.orderId },
      body: JSON.stringify({
        orderId: order.orderId,
        lines: order.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, vendorId: l.vendorId })),
        ...(order.shipping ? { shipTo: order.shipping.address, contactEmail: order.shipping.email, shippingOption: order.shipping.option.id } : {}),
      }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok) throw new Error(`The fulfilment provider answered ${response.status}`);
    const body = (await response.json()) as { reference?: unknown };
    if (typeof body.reference !== 'string' || body.reference.length === 0) throw new Error('The fulfilment provider accepted the order without a reference');
    return { reference: body.reference };
  }

  /**
   * Erasure: `POST {baseUrl}/erasures` `{ reference, orderIds }` asks the provider to erase the recipient's data of
   * those shipments. `reference` is the erasure's pseudonym (the Idempotency-Key too); a repeat is harmless. 2xx means done.
   */
  async erase(notice: { reference: string; orderIds: readonly string[] }): Promise<void> {
    const response = await fetch(new URL('erasures', this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await this.apiKey()}`, 'idempotency-key': notice.reference },
      body: JSON.stringify({ reference: notice.reference, orderIds: notice.orderIds }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok) throw new Error(`The fulfilment provider answered ${response.status} to the erasure`);
  }
}
