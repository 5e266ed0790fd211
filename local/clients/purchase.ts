import { randomUUID } from 'node:crypto';
import { formatMoney } from '../../shared/domain/model/money';

/** The steps of a purchase, in order; a failed purchase names the one that broke. */
export const PURCHASE_STEPS = ['health', 'sign-in', 'catalog', 'cart', 'checkout', 'awaiting-payment', 'pay', 'paid'] as const;
/** A checkout that is cancelled instead of paid (`until: 'cancelled'`) ends with `cancel` after `awaiting-payment`. */
export const CANCELLED_PURCHASE_STEPS = ['health', 'sign-in', 'catalog', 'cart', 'checkout', 'awaiting-payment', 'cancel'] as const;
export type PurchaseStep = (typeof PURCHASE_STEPS)[number] | (typeof CANCELLED_PURCHASE_STEPS)[number];

/** Money as the API returns it: an integer in minor units and its ISO 4217 code. */
export interface MoneyView {
  readonly amount: number;
  readonly currency: string;
}

/** One HTTP exchange with the API, for a reporter that explains what happens (no token in it). */
export interface PurchaseExchange {
  readonly step: PurchaseStep;
  readonly method: string;
  readonly path: string;
  readonly requestBody?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** What a purchase tells whoever runs it, as it goes. Every callback is optional. */
export interface PurchaseReporter {
  stepStarted?(step: PurchaseStep): void;
  /** A step is done, after `ms`, with a one-line summary of what it found (no token or personal data). */
  stepFinished?(step: PurchaseStep, ms: number, summary: string): void;
  exchange?(exchange: PurchaseExchange): void;
}

export interface PurchaseOptions {
  /** The API's base URL, stage path included (e.g. http://127.0.0.1:4010/v1). */
  readonly apiUrl: string;
  /** Signs the customer in and returns an access token. */
  readonly signIn: (signal: AbortSignal) => Promise<string>;
  /** Confirms the order's PaymentIntent with a card, as the customer's browser would; returns the PaymentIntent's status. */
  readonly pay: (paymentIntentId: string, signal: AbortSignal) => Promise<string>;
  /** Buy from this product; by default the first product of the catalog with a SKU in stock. */
  readonly productId?: string;
  /**
   * Where and how to ship: sent with the checkout (`shippingAddress`, `shippingOption`). Without it, the order ships
   * to the customer's default address by the stage's default option.
   */
  readonly shipping?: { readonly address?: Readonly<Record<string, string>>; readonly option?: string };
  /** How many to buy. @default 1 */
  readonly quantity?: number;
  /**
   * `paid`: stop when the order is CONFIRMED (paid, stock committed); `fulfilled`: wait for FULFILLED; `cancelled`:
   * once the PaymentIntent exists, cancel the order instead of paying and wait for CANCELLED (nothing is charged and
   * the stock goes back: the prod canary, where Stripe is live). @default 'paid'
   */
  readonly until?: 'paid' | 'fulfilled' | 'cancelled';
  /** The whole purchase's time bound. @default 60_000 */
  readonly timeoutMs?: number;
  /** Between two reads of the order while it is polled. @default 250 */
  readonly pollIntervalMs?: number;
  readonly reporter?: PurchaseReporter;
}

export interface StepTiming {
  readonly step: PurchaseStep;
  readonly ms: number;
  readonly summary: string;
}

/** How a purchase ended: a paid order, or the step that broke and why (an HTTP status and problem title, or an error name). */
export type PurchaseResult =
  | { readonly ok: true; readonly orderId: string; readonly status: string; readonly total: MoneyView; readonly steps: StepTiming[]; readonly ms: number }
  | {
      readonly ok: false;
      readonly failedStep: PurchaseStep;
      readonly reason: string;
      readonly httpStatus?: number;
      readonly orderId?: string;
      readonly steps: StepTiming[];
      readonly ms: number;
    };

/** Why a step failed, with the HTTP status when the API answered. */
export class PurchaseStepError extends Error {
  override readonly name = 'PurchaseStepError';
  constructor(
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
  }
}

interface Product {
  productId: string;
  name: string;
  skus: Array<{ sku: string; name: string; price: MoneyView; available: number }>;
}
interface Order {
  orderId: string;
  status: string;
  total: MoneyView;
  payment?: { paymentIntentId: string; status: string; clientSecret?: string };
  shipping?: { option: { id: string }; amount: MoneyView; address: { country: string } };
  failureReason?: string;
}

const PAID = ['CONFIRMED', 'FULFILLED'];
const ENDED_UNPAID = ['FAILED', 'CANCELLED', 'REFUNDED'];
/** How far the catalog is paged looking for something in stock when no product is named. */
const CATALOG_PAGES = 5;

/**
 * A short purchase through the public API, as a storefront makes it: health, sign in, browse the catalog, put one
 * SKU in an emptied cart, check out with an Idempotency-Key, wait for the PaymentIntent, pay it (through `pay`), and
 * wait, with a bounded poll, until the order is paid (CONFIRMED) or fulfilled. Never throws: the result names the
 * step that broke and why, without tokens or personal data. Used by `npm run smoke` and `npm run demo:purchase`.
 */
export async function runPurchase(options: PurchaseOptions): Promise<PurchaseResult> {
  const started = performance.now();
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new PurchaseStepError(`timed out: the purchase took more than ${timeoutMs / 1000} s`)), timeoutMs);
  const steps: StepTiming[] = [];
  const reporter = options.reporter ?? {};
  let current: PurchaseStep = 'health';
  let orderId: string | undefined;

  const step = async <T>(name: PurchaseStep, run: () => Promise<{ value: T; summary: string }>): Promise<T> => {
    current = name;
    reporter.stepStarted?.(name);
    const at = performance.now();
    const { value, summary } = await abortable(run(), deadline.signal);
    const ms = Math.round(performance.now() - at);
    steps.push({ step: name, ms, summary });
    reporter.stepFinished?.(name, ms, summary);
    return value;
  };

  try {
    const api = apiOf(options.apiUrl, deadline.signal, reporter, () => current);
    await step('health', async () => {
      const health = await api.expect('GET', '/health', undefined, [200]);
      return { value: undefined, summary: `API answers ${String(health.body.status)}` };
    });
    const token = await step('sign-in', async () => ({ value: await options.signIn(deadline.signal), summary: 'access token issued' }));
    const chosen = await step('catalog', async () => {
      const found = await chooseSku(api, options.productId);
      return { value: found, summary: `${found.sku} (${found.productName}) at ${formatMoney(found.price)}, ${found.available} available` };
    });
    const quantity = options.quantity ?? 1;
    await step('cart', async () => {
      await api.expect('DELETE', '/cart', undefined, [200, 204], token);
      const cart = await api.expect('PUT', `/cart/items/${encodeURIComponent(chosen.sku)}`, { quantity }, [200], token);
      const total = cart.body.total as MoneyView | null;
      return { value: undefined, summary: `${quantity} x ${chosen.sku}, cart total ${total ? formatMoney(total) : 'none'}` };
    });
    orderId = await step('checkout', async () => {
      const key = randomUUID();
      const { address, option } = options.shipping ?? {};
      const body = { ...(address ? { shippingAddress: address } : {}), ...(option ? { shippingOption: option } : {}) };
      const accepted = await api.expect('POST', '/checkout', body, [202], token, { 'Idempotency-Key': key });
      const id = String(accepted.body.orderId);
      return { value: id, summary: `order ${id} ${String(accepted.body.status)} (Idempotency-Key ${key})` };
    });
    const id = orderId;
    const awaiting = await step('awaiting-payment', async () => {
      const order = await pollOrder(api, token, id, options, deadline.signal, (o) => o.status === 'AWAITING_PAYMENT' && Boolean(o.payment), PAID);
      const shipping = order.shipping
        ? ` (shipping ${formatMoney(order.shipping.amount)} by ${order.shipping.option.id} to ${order.shipping.address.country})`
        : '';
      return { value: order, summary: `${order.status}, ${formatMoney(order.total)}${shipping} on PaymentIntent ${order.payment?.paymentIntentId ?? ''}` };
    });
    const paymentIntentId = awaiting.payment?.paymentIntentId as string;
    if (options.until === 'cancelled') {
      const cancelled = await step('cancel', async () => {
        await api.expect('POST', `/orders/${id}/cancel`, undefined, [200], token);
        const order = await pollOrder(api, token, id, options, deadline.signal, (o) => o.status === 'CANCELLED', ['CANCELLED']);
        return { value: order, summary: `${order.status}, PaymentIntent ${paymentIntentId} ${order.payment?.status ?? 'unknown'}` };
      });
      return { ok: true, orderId: id, status: cancelled.status, total: cancelled.total, steps, ms: Math.round(performance.now() - started) };
    }
    await step('pay', async () => {
      const status = await options.pay(paymentIntentId, deadline.signal);
      if (status !== 'succeeded' && status !== 'processing') throw new PurchaseStepError(`the PaymentIntent is ${status} after confirming`);
      return { value: undefined, summary: `PaymentIntent ${paymentIntentId} ${status}` };
    });
    const until = options.until ?? 'paid';
    const paid = await step('paid', async () => {
      const order = await pollOrder(api, token, id, options, deadline.signal, (o) => (until === 'paid' ? PAID.includes(o.status) : o.status === 'FULFILLED'));
      return { value: order, summary: `${order.status}, payment ${order.payment?.status ?? 'unknown'}` };
    });
    return { ok: true, orderId: id, status: paid.status, total: paid.total, steps, ms: Math.round(performance.now() - started) };
  } catch (error) {
    return {
      ok: false,
      failedStep: current,
      reason: reasonOf(error),
      ...(error instanceof PurchaseStepError && error.httpStatus ? { httpStatus: error.httpStatus } : {}),
      ...(orderId ? { orderId } : {}),
      steps,
      ms: Math.round(performance.now() - started),
    };
  } finally {
    clearTimeout(timer);
  }
}

type Answer = { status: number; body: Record<string, unknown> };

function apiOf(apiUrl: string, signal: AbortSignal, reporter: PurchaseReporter, currentStep: () => PurchaseStep) {
  const base = apiUrl.replace(/\/+$/, '');
  const call = async (method: string, path: string, body?: unknown, token?: string, headers: Record<string, string> = {}): Promise<Answer> => {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      const { code, message } = (error as { cause?: { code?: string; message?: string } }).cause ?? {};
      const cause = code ?? message;
      throw new PurchaseStepError(`${method} ${path}: could not reach ${new URL(base).host}${cause ? ` (${cause})` : ''}`);
    }
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = {};
    }
    reporter.exchange?.({ step: currentStep(), method, path, requestBody: body, headers, status: response.status, body: parsed });
    return { status: response.status, body: parsed };
  };
  return {
    call,
    /** The call, or a step failure naming the method, path, HTTP status and problem title when the status is not one of `ok`. */
    async expect(method: string, path: string, body: unknown, ok: number[], token?: string, headers?: Record<string, string>): Promise<Answer> {
      const answer = await call(method, path, body, token, headers);
      if (!ok.includes(answer.status)) {
        const title = typeof answer.body.title === 'string' ? `: ${answer.body.title}` : '';
        throw new PurchaseStepError(`${method} ${path} answered HTTP ${answer.status}${title}`, answer.status);
      }
      return answer;
    },
  };
}

type Api = ReturnType<typeof apiOf>;

async function chooseSku(api: Api, productId: string | undefined): Promise<{ sku: string; productName: string; price: MoneyView; available: number }> {
  const pick = (product: Product) => {
    const sku = product.skus.find((s) => s.available > 0);
    return sku ? { sku: sku.sku, productName: product.name, price: sku.price, available: sku.available } : undefined;
  };
  if (productId) {
    const product = (await api.expect('GET', `/products/${encodeURIComponent(productId)}`, undefined, [200])).body as unknown as Product;
    const found = pick(product);
    if (!found) throw new PurchaseStepError(`product ${productId} has no SKU in stock`);
    return found;
  }
  let cursor: string | undefined;
  for (let page = 0; page < CATALOG_PAGES; page++) {
    const listed = await api.expect('GET', `/products?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, undefined, [200]);
    for (const product of listed.body.items as Product[]) {
      const found = pick(product);
      if (found) return found;
    }
    cursor = listed.body.nextCursor as string | undefined;
    if (!cursor) break;
  }
  throw new PurchaseStepError('the catalog has no SKU in stock');
}

async function pollOrder(
  api: Api,
  token: string,
  orderId: string,
  options: PurchaseOptions,
  signal: AbortSignal,
  done: (order: Order) => boolean,
  alsoDone: readonly string[] = [],
): Promise<Order> {
  for (;;) {
    const order = (await api.expect('GET', `/orders/${orderId}`, undefined, [200], token)).body as unknown as Order;
    if (done(order) || alsoDone.includes(order.status)) return order;
    if (ENDED_UNPAID.includes(order.status)) {
      throw new PurchaseStepError(`order ${orderId} ended ${order.status}${order.failureReason ? `: ${order.failureReason}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollIntervalMs ?? 250));
    if (signal.aborted) throw signal.reason;
  }
}

/** Settles with `work`, or rejects with the signal's reason as soon as it aborts (work that ignores the signal is left behind). */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** What went wrong in words safe to print: our own messages, or an SDK error's name, type, code and HTTP status (never its message, which may quote a user). */
function reasonOf(error: unknown): string {
  if (error instanceof PurchaseStepError) return error.message;
  if (!(error instanceof Error)) return 'failed';
  const e = error as Error & { type?: string; code?: string; statusCode?: number; $metadata?: { httpStatusCode?: number } };
  const status = e.statusCode ?? e.$metadata?.httpStatusCode;
  const parts = [e.name !== 'Error' ? e.name : undefined, e.type && e.type !== e.name ? e.type : undefined, e.code, status ? `HTTP ${status}` : undefined];
  const named = parts.filter(Boolean).join(' ');
  return named || 'failed (no error name)';
}
