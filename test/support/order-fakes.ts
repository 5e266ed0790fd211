import type { OrderPayment, PaymentOutcome, StoredOrder } from '../../shared/domain/orders/order';
import type { CheckoutKey, CreateOnceResult, OrderRepository, OrderTransition } from '../../shared/ports/order-repository';
import type { PaymentGateway, ProviderPayment } from '../../shared/ports/payment-gateway';
import type { WaitingSteps } from '../../shared/ports/workflow';

/** In-memory orders for domain unit tests (the DynamoDB adapter is tested against DynamoDB Local). */
export class FakeOrders implements OrderRepository {
  readonly orders = new Map<string, StoredOrder>();
  readonly keys = new Map<string, { orderId: string; requestHash: string }>();

  async createOnce(order: StoredOrder, key: CheckoutKey): Promise<CreateOnceResult> {
    const id = `${order.customerId}#${key.idempotencyKey}`;
    const existing = this.keys.get(id);
    if (existing) return { created: false, ...existing };
    this.keys.set(id, { orderId: order.orderId, requestHash: key.requestHash });
    this.orders.set(order.orderId, order);
    return { created: true };
  }
  async get(orderId: string) {
    return this.orders.get(orderId);
  }
  async listByCustomer(customerId: string, query: { limit: number }) {
    return { items: [...this.orders.values()].filter((o) => o.customerId === customerId).slice(0, query.limit) };
  }
  async transition(orderId: string, change: OrderTransition) {
    const order = this.orders.get(orderId);
    if (!order || !change.from.includes(order.status)) return undefined;
    const next: StoredOrder = {
      ...order,
      status: change.to,
      updatedAt: change.at,
      ...(change.failureReason ? { failureReason: change.failureReason } : {}),
      ...(change.fulfilmentReference ? { fulfilmentReference: change.fulfilmentReference } : {}),
      ...(order.payment && change.paymentStatus ? { payment: { ...order.payment, status: change.paymentStatus } } : {}),
    };
    this.orders.set(orderId, next);
    return next;
  }
  async attachPayment(orderId: string, payment: OrderPayment, at: string) {
    const order = this.orders.get(orderId);
    if (order?.status !== 'RESERVED') return undefined;
    const next = { ...order, payment, updatedAt: at };
    this.orders.set(orderId, next);
    return next;
  }
  async awaitPayment(orderId: string, taskToken: string, at: string) {
    const order = this.orders.get(orderId);
    if (!order || !['RESERVED', 'AWAITING_PAYMENT'].includes(order.status) || !order.payment) return undefined;
    const next: StoredOrder = { ...order, status: 'AWAITING_PAYMENT', paymentTaskToken: taskToken, updatedAt: at };
    this.orders.set(orderId, next);
    return next;
  }
  async recordPaymentOutcome(orderId: string, outcome: PaymentOutcome, at: string) {
    const order = this.orders.get(orderId);
    if (!order) return undefined;
    if (order.paymentOutcome) return order;
    const next = { ...order, paymentOutcome: outcome, updatedAt: at };
    this.orders.set(orderId, next);
    return next;
  }
}

/** A payment provider that records what it was asked. */
export class FakePayments implements PaymentGateway {
  readonly intents = new Map<string, ProviderPayment & { orderId: string }>();
  readonly calls: string[] = [];

  async createPaymentIntent(request: { orderId: string; amount: { amount: number; currency: string } }) {
    this.calls.push(`create:${request.orderId}`);
    const existing = [...this.intents.values()].find((i) => i.orderId === request.orderId);
    if (existing) return existing;
    const intent = { paymentIntentId: `pi_${this.intents.size + 1}`, status: 'requires_payment_method', amount: request.amount, clientSecret: 'secret', orderId: request.orderId };
    this.intents.set(intent.paymentIntentId, intent);
    return intent;
  }
  async retrieve(paymentIntentId: string) {
    return this.intents.get(paymentIntentId) as ProviderPayment;
  }
  async cancel(paymentIntentId: string) {
    this.calls.push(`cancel:${paymentIntentId}`);
    const intent = this.intents.get(paymentIntentId) as ProviderPayment & { orderId: string };
    const next = { ...intent, status: 'canceled' };
    this.intents.set(paymentIntentId, next);
    return next;
  }
  async refund(paymentIntentId: string) {
    this.calls.push(`refund:${paymentIntentId}`);
    return { refundId: `re_${paymentIntentId}`, status: 'succeeded' };
  }
  /** The customer paid (what a confirmation with pm_card_visa does). */
  succeed(paymentIntentId: string): void {
    const intent = this.intents.get(paymentIntentId) as ProviderPayment & { orderId: string };
    this.intents.set(paymentIntentId, { ...intent, status: 'succeeded' });
  }
}

/** Answers to waiting saga steps, recorded. */
export class FakeWaits implements WaitingSteps {
  readonly answers: Array<{ token: string; kind: 'succeed' | 'fail'; error?: string; cause?: string }> = [];
  async succeed(token: string) {
    this.answers.push({ token, kind: 'succeed' });
    return true;
  }
  async fail(token: string, error: string, cause: string) {
    this.answers.push({ token, kind: 'fail', error, cause });
    return true;
  }
}
