import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { UnauthorizedError, ValidationError, WebhookSignatureError } from '../domain/errors';
import { logger, metrics } from '../observability/powertools';

/** Which webhook a route is, as the refusal metrics' `webhook` dimension says it. */
export type WebhookName = 'stripe' | 'inventory';

/**
 * Counts and logs a webhook's refusals before the problem mapper answers them: a request that does not prove its
 * sender (WebhookSignatureError, or UnauthorizedError from a scheme that answers 401) adds to
 * `WebhookSignatureFailures`, a correctly signed body that is not a well-formed event to `WebhookEventsMalformed`,
 * each with dimension `webhook`. Both are 4xx, so a flood trips their own alarm, not the 5xx alarm. The log is a WARN
 * with the reason only: never the body, the signature or a secret.
 */
export function webhookRefusals(webhook: WebhookName): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    onError: (request) => {
      const { error } = request;
      const signature = error instanceof WebhookSignatureError || error instanceof UnauthorizedError;
      if (!signature && !(error instanceof ValidationError)) return;
      const metric = signature ? 'WebhookSignatureFailures' : 'WebhookEventsMalformed';
      metrics.singleMetric().addDimension('webhook', webhook).addMetric(metric, MetricUnit.Count, 1);
      logger.warn(signature ? 'Webhook signature refused' : 'Webhook event malformed', { webhook, reason: error.message });
    },
  };
}
