import type middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { DomainError, ServiceUnavailableError, TooManyRequestsError } from '../domain/errors';
import { logger } from '../observability/powertools';
import { TransientError } from '../domain/orders/saga-errors';
import { internalProblem, isDomainErrorName, problemFor, problemResponse, unavailableProblem } from './problem';

/**
 * Maps every error to RFC 9457 problem+json. Domain errors keep their message; anything else is logged in full here
 * and answered with a generic 500 that carries only the correlation id.
 */
export function problemErrorMapper(): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    onError: (request) => {
      const { error, event } = request;
      const instance = event?.path ?? '/';
      if (error instanceof DomainError && isDomainErrorName(error.name)) {
        const problem = problemFor(error.name, error.message, instance, error.errors);
        // A paused flow's 503 is a refusal we chose (a mitigation switch), not a failure.
        if (problem.status >= 500 && !(error instanceof ServiceUnavailableError)) logger.error('Request failed', { error });
        else logger.info('Request refused', { status: problem.status, problemType: problem.type });
        request.response = problemResponse(
          problem,
          error instanceof TooManyRequestsError || error instanceof ServiceUnavailableError
            ? { 'Retry-After': String(Math.max(1, error.retryAfterSeconds)) }
            : {},
        );
        return;
      }
      const correlationId = event?.requestContext?.requestId ?? request.context.awsRequestId;
      if (error instanceof TransientError) {
        logger.warn('Request failed transiently', { error });
        request.response = problemResponse(unavailableProblem(instance, correlationId), { 'Retry-After': '1' });
        return;
      }
      logger.error('Unhandled error', { error });
      request.response = problemResponse(internalProblem(instance, correlationId));
    },
  };
}
