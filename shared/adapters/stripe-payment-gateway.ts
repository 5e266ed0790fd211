import Stripe from 'stripe';
import type { Money } from '../domain/model/money';
import { BusinessRuleError, NotFoundError } from '../domain/errors';
import { TransientError } from '../domain/orders/saga-errors';
import type { PaymentGateway, ProviderPayment } from '../ports/payment-gateway';
import type { PaymentHistory, ProviderPaymentSummary, ProviderRefundSummary } from '../ports/payment-history';
import type { PaymentCustomers } from '../ports/personal-data';

export interface StripeGatewayOptions {
  /** A cached Secrets Manager read of the API key, so a rotated key is used without a redeploy. */
  readonly apiKey: () => Promise<string>;
  /** Where the Stripe API is, for the local stand-in (e.g. http://127.0.0.1:4242); Stripe's own host by default. */
  readonly apiUrl?: string;
  /** How long one request may take before the SDK gives up on it (and retries it). @default 10_000 ms */
  readonly timeoutMs?: number;
  /** How often the SDK retries a request that failed on the network or with a 409/5xx, with the same idempotency key. @default 2 */
  readonly maxNetworkRetries?: number;
}

/**
 * PaymentIntents through the official Stripe SDK. Every call that changes something carries an idempotency key
 * derived from the order id, so a retried saga step can never create a second PaymentIntent or refund twice.
 * Network failures, rate limits and Stripe's own 5xx become TransientError (the saga retries them).
 */
export class StripePaymentGateway implements PaymentGateway, PaymentHistory, PaymentCustomers {
  private client?: { key: string; stripe: Stripe };

  constructor(private readonly options: StripeGatewayOptions) {}

  async createPaymentIntent(request: { orderId: string; amount: Money }): Promise<ProviderPayment> {
    const stripe = await this.stripe();
    const pi = await call(() =>
      stripe.paymentIntents.create(
        {
          amount: request.amount.amount,
          currency: request.amount.currency.toLowerCase(),
          metadata: { orderId: request.orderId },
          description: `Stockade order ${request.orderId}`,
        },
        { idempotencyKey: `order-${request.orderId}-payment-intent` },
      ),
    );
    return toPayment(pi);
  }

  async retrieve(paymentIntentId: string): Promise<ProviderPayment> {
    const stripe = await this.stripe();
    try {
      return toPayment(await call(() => stripe.paymentIntents.retrieve(paymentIntentId)));
    } catch (error) {
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing')
        throw new NotFoundError(`Stripe has no PaymentIntent ${paymentIntentId}`);
      throw error;
    }
  }

  async cancel(paymentIntentId: string, orderId: string): Promise<ProviderPayment> {
    const stripe = await this.stripe();
    try {
      return toPayment(
        await call(() => stripe.paymentIntents.cancel(paymentIntentId, { cancellation_reason: 'abandoned' }, { idempotencyKey: `order-${orderId}-cancel` })),
      );
    } catch (error) {
      // Already canceled, or it moved on meanwhile: report where it is now.
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'payment_intent_unexpected_state') return this.retrieve(paymentIntentId);
      throw error;
    }
  }

  async refund(
    paymentIntentId: string,
    orderId: string,
    options: { amount?: number; idempotencyKey?: string; reason?: string } = {},
  ): Promise<{ refundId: string; status: string; amount: number }> {
    const stripe = await this.stripe();
    try {
      const refund = await call(() =>
        stripe.refunds.create(
          {
            payment_intent: paymentIntentId,
            ...(options.amount !== undefined ? { amount: options.amount } : {}),
            metadata: { orderId, ...(options.reason ? { reason: options.reason.slice(0, 500) } : {}) },
          },
          { idempotencyKey: options.idempotencyKey ?? `order-${orderId}-refund` },
        ),
      );
      return { refundId: refund.id, status: refund.status ?? 'pending', amount: refund.amount };
    } catch (error) {
      if (
        error instanceof Stripe.errors.StripeInvalidRequestError &&
        (error.code === 'charge_already_refunded' || error.code === 'amount_too_large' || error.param === 'amount')
      ) {
        throw new BusinessRuleError(`Stripe refused the refund: ${error.message}`);
      }
      throw error;
    }
  }

  /** Erasure: every Customer object with one of these e-mails is deleted (Stockade creates none; a dashboard user may have). */
  async deleteByEmail(emails: readonly string[]): Promise<number> {
    const stripe = await this.stripe();
    let deleted = 0;
    for (const email of emails) {
      const ids: string[] = [];
      for await (const c of pages(stripe.customers.list({ email, limit: 100 }), (c) => c)) ids.push(c.id);
      for (const id of ids) {
        try {
          await call(() => stripe.customers.del(id));
          deleted++;
        } catch (error) {
          // Deleted meanwhile (a repeated erasure): nothing left to delete.
          if (!(error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing')) throw error;
        }
      }
    }
    return deleted;
  }

  async refundsOf(paymentIntentId: string): Promise<Array<{ refundId: string; status: string; amount: number }>> {
    const stripe = await this.stripe();
    const refunds: Array<{ refundId: string; status: string; amount: number }> = [];
    for await (const r of pages(stripe.refunds.list({ payment_intent: paymentIntentId, limit: 100 }), (r) => r))
      refunds.push({ refundId: r.id, status: r.status ?? 'pending', amount: r.amount });
    return refunds;
  }

  /** Every page, through the SDK's auto-pagination (100 per request, each page retried like any call). */
  async *paymentIntents(from: Date, to: Date): AsyncIterable<ProviderPaymentSummary> {
    const stripe = await this.stripe();
    yield* pages(stripe.paymentIntents.list({ created: createdRange(from, to), limit: 100 }), (pi) => ({
      paymentIntentId: pi.id,
      status: pi.status,
      amount: pi.amount,
      currency: pi.currency,
      created: pi.created,
      ...(typeof pi.metadata?.orderId === 'string' && pi.metadata.orderId ? { orderId: pi.metadata.orderId } : {}),
    }));
  }

  async *refunds(from: Date, to: Date): AsyncIterable<ProviderRefundSummary> {
    const stripe = await this.stripe();
    yield* pages(stripe.refunds.list({ created: createdRange(from, to), limit: 100 }), (r) => {
      const paymentIntentId = typeof r.payment_intent === 'string' ? r.payment_intent : r.payment_intent?.id;
      return { refundId: r.id, amount: r.amount, status: r.status ?? 'pending', created: r.created, ...(paymentIntentId ? { paymentIntentId } : {}) };
    });
  }

  private async stripe(): Promise<Stripe> {
    const key = await this.options.apiKey();
    if (this.client?.key !== key) {
      const url = this.options.apiUrl ? new URL(this.options.apiUrl) : undefined;
      const stripe = new Stripe(key, {
        maxNetworkRetries: this.options.maxNetworkRetries ?? 2,
        timeout: this.options.timeoutMs ?? 10_000,
        telemetry: false,
        ...(url ? { host: url.hostname, port: Number(url.port), protocol: url.protocol === 'http:' ? 'http' : 'https' } : {}),
      });
      this.client = { key, stripe };
    }
    return this.client.stripe;
  }
}

async function call<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (
      error instanceof Stripe.errors.StripeConnectionError ||
      error instanceof Stripe.errors.StripeRateLimitError ||
      error instanceof Stripe.errors.StripeAPIError ||
      (error instanceof Stripe.errors.StripeError && error.type === 'StripeIdempotencyError' && error.statusCode === 409)
    ) {
      throw new TransientError(`Stripe did not complete the request (${(error as Error).name}); it is safe to retry`);
    }
    throw error;
  }
}

const createdRange = (from: Date, to: Date) => ({ gte: Math.floor(from.getTime() / 1000), lte: Math.floor(to.getTime() / 1000) });

async function* pages<T, R>(list: AsyncIterable<T>, map: (item: T) => R): AsyncIterable<R> {
  const iterator = list[Symbol.asyncIterator]();
  for (;;) {
    const next = await call(() => iterator.next());
    if (next.done) return;
    yield map(next.value);
  }
}

function toPayment(pi: Stripe.PaymentIntent): ProviderPayment {
  return {
    paymentIntentId: pi.id,
    status: pi.status,
    amount: { amount: pi.amount, currency: pi.currency.toUpperCase() },
    ...(pi.client_secret ? { clientSecret: pi.client_secret } : {}),
    ...(typeof pi.metadata?.orderId === 'string' && pi.metadata.orderId ? { orderId: pi.metadata.orderId } : {}),
  };
}
