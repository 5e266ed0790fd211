import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger, metrics } from '../observability/powertools';

/**
 * The observability every handler kit applies, in one place: the Powertools logger (keys reset per invocation, an
 * optional correlation id read from the event; every line carries the X-Ray trace id) and metrics flushed at the end of each
 * invocation with the cold-start metric. Tracing needs no middleware: Lambda's active tracing records the invocation
 * and the AWS SDK propagates the trace header (docs/operations.md, "Tracing").
 */
export function withPowertools<E, R>(core: (event: E, context: Context) => Promise<R>, options: { correlationId?: (event: E) => string | undefined } = {}) {
  const { correlationId } = options;
  const handler = middy<E, R>(core).use(injectLambdaContext(logger, { resetKeys: true }));
  // After the context is injected, so the key is reset with the others when the invocation ends.
  if (correlationId)
    handler.use({
      before: (request) => {
        const id = correlationId(request.event);
        if (id) logger.setCorrelationId(id);
      },
    });
  return handler.use(logMetrics(metrics, { captureColdStartMetric: true }));
}
