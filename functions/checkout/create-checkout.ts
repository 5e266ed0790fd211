import { IdempotencyAlreadyInProgressError, IdempotencyValidationError, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { type CheckoutCall, checkoutIdempotencyConfig } from '../../shared/config/checkout-idempotency';
import { ConflictError, ValidationError } from '../../shared/domain/errors';
import { checkout, type CheckoutRequest } from '../../shared/domain/orders/checkout';
import { httpHandler } from '../../shared/http/http-handler';
import { principalOf } from '../../shared/http/principal';
import { metrics } from '../../shared/observability/powertools';
import { CheckoutBodySchema } from '../../shared/schemas/checkout';
import { IdempotencyKeySchema } from '../../shared/schemas/orders';
import { checkoutDeps, idempotencyStore } from '../orders/root';

const deps = checkoutDeps();

// Powertools idempotency: the key is the caller plus their Idempotency-Key; the body is the payload that must match.
const idempotency = checkoutIdempotencyConfig();
const idempotentCheckout = makeIdempotent(
  (call: CheckoutCall) => checkout(deps, { customerId: call.customerId, email: call.accountEmail }, call.idempotencyKey, call.request),
  {
    persistenceStore: idempotencyStore(),
    config: idempotency,
  },
);

/**
 * POST /checkout: the same Idempotency-Key and body answer the same order; another body with that key is 409; a
 * request still running under that key is 409 too (retry shortly), as Stripe answers concurrent idempotent calls.
 */
export const handler = httpHandler({ body: CheckoutBodySchema }, async ({ body, headers, event, context }) => {
  const key = IdempotencyKeySchema.safeParse(headers['idempotency-key']);
  if (!key.success) {
    throw new ValidationError('The Idempotency-Key header is required: 16 to 64 visible ASCII characters', [
      { path: 'headers.Idempotency-Key', message: key.error.issues[0]?.message ?? 'required' },
    ]);
  }
  idempotency.registerLambdaContext(context);
  const { items, shippingAddress, shippingOption, email } = body;
  const request: CheckoutRequest = {
    ...(items ? { items } : {}),
    ...(shippingAddress ? { shippingAddress } : {}),
    ...(shippingOption ? { shippingOption } : {}),
    ...(email ? { email } : {}),
  };
  const principal = principalOf(event);
  try {
    const result = await idempotentCheckout({ customerId: principal.sub, accountEmail: principal.email, idempotencyKey: key.data, request });
    metrics.addMetric('CheckoutAccepted', MetricUnit.Count, 1);
    return { status: 202, body: result, headers: { Location: `/orders/${result.orderId}` } };
  } catch (error) {
    if (error instanceof IdempotencyValidationError) throw new ConflictError('This Idempotency-Key was already used with a different request body');
    if (error instanceof IdempotencyAlreadyInProgressError) throw new ConflictError('A request with this Idempotency-Key is still in progress; retry shortly');
    throw error;
  }
});
