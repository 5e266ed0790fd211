import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger, metrics } from '../observability/powertools';

/**
 * The observability every handler kit applies, in one place: the Powertools logger (keys reset per invocation, an
 * optional correlation id path; every line carries the X-Ray trace id) and metrics flushed at the end of each
 * invocation with the cold-start metric. Tracing needs no middleware: Lambda's active tracing records the invocation
 * and the AWS SDK propagates the trace header (docs/operations.md, "Tracing").
 */
export function withPowertools<E, R>(core: (event: E, context: Context) => Promise<R>, options: { correlationIdPath?: string } = {}) {
  return middy<E, R>(core)
    .use(injectLambdaContext(logger, { resetKeys: true, ...(options.correlationIdPath ? { correlationIdPath: options.correlationIdPath } : {}) }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}
