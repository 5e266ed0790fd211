import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import type { CheckoutRequest } from '../domain/orders/checkout';

/** One POST /checkout as the idempotency layer sees it: the caller, their Idempotency-Key and the request. */
export interface CheckoutCall {
  readonly customerId: string;
  /** The account's e-mail from the access token: checkout's default contact (not part of the key or payload). */
  readonly accountEmail?: string | undefined;
  readonly idempotencyKey: string;
  readonly request: CheckoutRequest;
}

/**
 * The Powertools idempotency settings of POST /checkout: the key is the caller plus their Idempotency-Key; the body
 * is the payload that must match; a record lasts 24 hours. A new config per call site, since each registers its own
 * Lambda context on it. Free of side effects, so the checkout benchmark uses the same settings as the handler.
 */
export function checkoutIdempotencyConfig(): IdempotencyConfig {
  return new IdempotencyConfig({
    eventKeyJmesPath: '[customerId, idempotencyKey]',
    payloadValidationJmesPath: 'request',
    expiresAfterSeconds: 24 * 60 * 60,
    throwOnNoIdempotencyKey: true,
  });
}
