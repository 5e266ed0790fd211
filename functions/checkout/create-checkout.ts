import { IdempotencyAlreadyInProgressError, IdempotencyValidationError, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { type CheckoutCall, checkoutIdempotencyConfig } from '../../shared/config/checkout-idempotency';
import { ConflictError, DomainError, ValidationError } from '../../shared/domain/errors';
import { refuseWhileCheckoutPaused } from '../../shared/domain/operations/switches';
import { checkout, type CheckoutRequest } from '../../shared/domain/orders/checkout';
import { httpHandler } from '../../shared/http/http-handler';
import { principalOf } from '../../shared/http/principal';
import { metrics } from '../../shared/observability/powertools';
import { CHECKOUT_SLO } from '../../shared/observability/slo';
import { CheckoutBodySchema } from '../../shared/schemas/checkout';
import { IdempotencyKeySchema } from '../../shared/schemas/orders';
import { checkoutDeps, idempotencyStore, switchReader } from '../orders/root';

const deps = checkoutDeps();
const switches = switchReader();

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
  // Paused (docs/operations.md, "Mitigation switches"): 503 with Retry-After before anything is written.
  await refuseWhileCheckoutPaused(switches);
  idempotency.registerLambdaContext(context);
  const { items, shippingAddress, shippingOption, email } = body;
  const request: CheckoutRequest = {
    ...(items ? { items } : {}),
    ...(shippingAddress ? { shippingAddress } : {}),
    ...(shippingOption ? { shippingOption } : {}),
    ...(email ? { email } : {}),
  };
  const principal = principalOf(event);
  const started = performance.now();
  try {
    const result = await idempotentCheckout({ customerId: principal.sub, accountEmail: principal.email, idempotencyKey: key.data, request });
    // The checkout SLO (shared/observability/slo.ts): every valid attempt, and whether it was accepted in time.
    metrics.addMetric('CheckoutAccepted', MetricUnit.Count, 1);
    metrics.addMetric('CheckoutAttempted', MetricUnit.Count, 1);
    metrics.addMetric('CheckoutSlow', MetricUnit.Count, performance.now() - started > CHECKOUT_SLO.objectiveMs ? 1 : 0);
    return { status: 202, body: result, headers: { Location: `/orders/${result.orderId}` } };
  } catch (error) {
    if (error instanceof IdempotencyValidationError) throw new ConflictError('This Idempotency-Key was already used with a different request body');
    if (error instanceof IdempotencyAlreadyInProgressError) throw new ConflictError('A request with this Idempotency-Key is still in progress; retry shortly');
    // A domain error is the shopper's (4xx: an empty cart, out of stock); anything else failed on our side.
    if (!(error instanceof DomainError)) {
      metrics.addMetric('CheckoutAttempted', MetricUnit.Count, 1);
      metrics.addMetric('CheckoutFailed', MetricUnit.Count, 1);
    }
    throw error;
  }
});
