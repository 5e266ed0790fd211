import { createHash } from 'node:crypto';
import type { CartRepository } from '../../ports/cart-repository';
import type { CatalogRepository } from '../../ports/catalog-repository';
import type { OrderRepository } from '../../ports/order-repository';
import type { OrderWorkflow } from '../../ports/workflow';
import { available } from '../catalog/catalog';
import { type LiveStockPolicy, skusWithoutLiveStock } from '../inventory/live-stock';
import { BusinessRuleError, ConflictError, ValidationError } from '../errors';
import type { OrderLine, OrderStatus, StoredOrder } from './order';
import type { Clock } from '../../ports/clock';
import type { IdGenerator } from '../../ports/id-generator';
import type { AddressBook } from '../../ports/address-book';
import type { OrderShipping, ShippingAddress } from '../model/shipping';
import { addressProblems, shippingCharge, type ShippingRates } from './shipping';

export interface CheckoutDeps {
  readonly orders: OrderRepository;
  readonly carts: CartRepository;
  readonly catalog: CatalogRepository;
  readonly workflow: OrderWorkflow;
  readonly now: Clock;
  readonly newId: IdGenerator;
  /**
   * Refuses SKUs that may be sold only on live stock while their provider's circuit is open.
   * @default none: every SKU sells on Stockade's own stock
   */
  readonly liveStock?: LiveStockPolicy;
  /** The customers' default shipping addresses, used when the request names none. */
  readonly addresses: AddressBook;
  /** The stage's shipping options (lib/config/stages.ts). */
  readonly shipping: ShippingRates;
}

export interface CheckoutRequest {
  /** Explicit lines; without them, the customer's cart is checked out. */
  readonly items?: ReadonlyArray<{ readonly sku: string; readonly quantity: number }>;
  /** Where to ship; without it, the customer's default address (none: 422). */
  readonly shippingAddress?: ShippingAddress;
  /** A shipping option id of the stage's rates; the stage's default without it. */
  readonly shippingOption?: string;
  /** The contact e-mail for this order; the account's without it. */
  readonly email?: string;
}

/** Who checks out: the customer, and the e-mail of their account (from the access token) when it has one. */
export interface CheckoutCustomer {
  readonly customerId: string;
  readonly email?: string | undefined;
}

export const MAX_ORDER_LINES = 50;

/**
 * Checkout: prices every line from the catalog (never from the client), adds the shipping charge of the chosen
 * option for the address (the request's, or the customer's default; neither is a 422) to the total, creates the order PENDING once per
 * customer and Idempotency-Key, and starts the order saga with the order id as the execution name. Repeating the
 * same key and body returns the same order and starts nothing new; the same key with another body is a conflict.
 * Stock is not taken here: the saga's one reservation transaction decides, so two checkouts can never both have
 * the last unit. While an inventory provider's circuit is open, SKUs that require live stock and follow that provider
 * are refused (422, nothing written; the same key may be used again later); every other SKU sells on our stock.
 */
export async function checkout(
  deps: CheckoutDeps,
  customer: CheckoutCustomer,
  idempotencyKey: string,
  request: CheckoutRequest,
): Promise<{ orderId: string; status: OrderStatus }> {
  const { customerId } = customer;
  const fromCart = request.items === undefined;
  const cart = fromCart ? await deps.carts.get(customerId) : undefined;
  const wanted = request.items ?? cart?.lines ?? [];
  if (wanted.length === 0) throw new BusinessRuleError(fromCart ? 'The cart is empty' : 'An order needs at least one item');
  if (wanted.length > MAX_ORDER_LINES) throw new BusinessRuleError(`An order holds at most ${MAX_ORDER_LINES} different items`);
  const codes = wanted.map((l) => l.sku);
  const duplicate = codes.find((c, i) => codes.indexOf(c) !== i);
  if (duplicate) throw new ValidationError(`SKU ${duplicate} appears twice`, [{ path: 'body.items', message: `duplicate sku ${duplicate}` }]);

  const catalog = new Map((await deps.catalog.skusWithProducts(codes)).map((e) => [e.sku.sku, e]));
  const lines: OrderLine[] = wanted.map(({ sku: code, quantity }) => {
    const entry = catalog.get(code);
    if (!entry || entry.product.status !== 'ACTIVE') throw new BusinessRuleError(`SKU ${code} is not for sale`);
    if (quantity > available(entry.sku)) throw new ConflictError(`Only ${available(entry.sku)} of ${code} available`);
    const { price } = entry.sku;
    return {
      sku: code,
      productId: entry.product.productId,
      vendorId: entry.product.vendorId,
      quantity,
      unitPrice: price,
      lineTotal: { amount: price.amount * quantity, currency: price.currency },
    };
  });
  const currencies = new Set(lines.map((l) => l.unitPrice.currency));
  if (currencies.size > 1) throw new BusinessRuleError(`An order is paid in one currency; these items are priced in ${[...currencies].join(', ')}`);
  const currency = lines[0]?.unitPrice.currency ?? '';
  const itemsAmount = lines.reduce((sum, l) => sum + l.lineTotal.amount, 0);
  if (itemsAmount <= 0) throw new BusinessRuleError('The order total must be above zero');
  const shipping = await shippingFor(deps, customer, request, { amount: itemsAmount, currency });
  const amount = itemsAmount + shipping.amount.amount;
  const now = deps.now();
  if (deps.liveStock) {
    const refused = await skusWithoutLiveStock(
      deps.liveStock,
      [...catalog.values()].map((e) => e.sku),
      now,
    );
    if (refused.length > 0) throw new BusinessRuleError(`live stock unavailable for SKU ${refused.join(', ')}, try again later`);
  }

  const at = now.toISOString();
  const order: StoredOrder = {
    orderId: deps.newId(),
    customerId,
    status: 'PENDING',
    lines,
    total: { amount, currency },
    shipping,
    createdAt: at,
    updatedAt: at,
  };
  const requestHash = fingerprint(request);
  const created = await deps.orders.createOnce(order, { idempotencyKey, requestHash });
  if (!created.created && created.requestHash !== requestHash) {
    throw new ConflictError('This Idempotency-Key was already used with a different request');
  }
  const orderId = created.created ? order.orderId : created.orderId;
  // Also when the key was seen before: the earlier request may have stopped between the order and the saga.
  await deps.workflow.start(orderId);
  if (created.created && fromCart) await deps.carts.delete(customerId);
  const current = created.created ? order : await deps.orders.get(orderId);
  return { orderId, status: current?.status ?? 'PENDING' };
}

/**
 * Where and how the order ships: the request's address or the customer's default (neither: 422), checked by its
 * country's rules (400), the contact e-mail (the request's, else the account's; neither: 422) and the option's charge.
 */
async function shippingFor(
  deps: CheckoutDeps,
  customer: CheckoutCustomer,
  request: CheckoutRequest,
  itemsTotal: { amount: number; currency: string },
): Promise<OrderShipping> {
  const address = request.shippingAddress ?? (await deps.addresses.get(customer.customerId));
  if (!address) throw new BusinessRuleError('No shipping address: send shippingAddress, or save a default one with PUT /me/address');
  const problems = addressProblems(address, request.shippingAddress ? 'body.shippingAddress' : 'defaultAddress');
  if (problems.length > 0) throw new ValidationError('The shipping address cannot be shipped to', problems);
  const email = request.email ?? customer.email;
  if (!email) throw new BusinessRuleError('No contact e-mail: send email (the account has none)');
  const { option, amount } = shippingCharge(deps.shipping, { optionId: request.shippingOption, country: address.country, itemsTotal });
  return { address, email, option: { id: option.id, label: option.label }, amount };
}

/** A stable digest of the request (keys sorted), so the same body in another key order is the same request. */
export function fingerprint(request: CheckoutRequest): string {
  const { shippingAddress: address } = request;
  const canonical = {
    ...(request.items === undefined ? { cart: true } : { items: request.items.map((i) => ({ quantity: i.quantity, sku: i.sku })) }),
    ...(address ? { address: Object.fromEntries(Object.entries(address).sort(([a], [b]) => a.localeCompare(b))) } : {}),
    ...(request.shippingOption ? { option: request.shippingOption } : {}),
    ...(request.email ? { email: request.email } : {}),
  };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}
