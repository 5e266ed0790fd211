import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger, metrics, tracer } from '../observability/powertools';

/**
 * The observability every handler kit applies, in one place: the Powertools logger (keys reset per invocation, an
 * optional correlation id path), tracing of the handler (never its response: it can carry tokens or personal data),
 * and metrics flushed at the end of each invocation with the cold-start metric.
 */
export function withPowertools<E, R>(core: (event: E, context: Context) => Promise<R>, options: { correlationIdPath?: string } = {}) {
  return middy<E, R>(core)
    .use(injectLambdaContext(logger, { resetKeys: true, ...(options.correlationIdPath ? { correlationIdPath: options.correlationIdPath } : {}) }))
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}
