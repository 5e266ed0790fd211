import * as z from '../../shared/validation/zod';
import { carryOutErasure } from '../../shared/domain/privacy/erasure';
import { sqsBatchHandler } from '../../shared/handlers/sqs-batch-handler';
import { logger } from '../../shared/observability/powertools';
import { erasureRetryBackoff } from '../wiring/sqs';
import { erasureDeps, erasureRetryMaxSeconds } from './root';

const deps = erasureDeps();
const backoff = erasureRetryBackoff(erasureRetryMaxSeconds());

/**
 * Consumer of the erasure queue: each request carried out on its own. A request that must wait for an open order, or
 * fails, comes back with backoff and is dead-lettered after the queue's maxReceiveCount (alarmed; redrive once fixed).
 * Logs name the pseudonym only, never the customer.
 */
export const handler = sqsBatchHandler({
  queue: 'standard',
  schema: z.strictObject({
    type: z.literal('ErasureRequested'),
    customerId: z.string().check(z.minLength(1), z.maxLength(128)),
    pseudonym: z.string().check(z.minLength(1), z.maxLength(128)),
    requestedAt: z.string().check(z.maxLength(64)),
    requestedBy: z.enum(['customer', 'admin']),
  }),
  handle: async ({ type: _type, ...request }) => {
    const outcome = await carryOutErasure(deps, request);
    logger.info('Erasure run', { pseudonym: request.pseudonym, outcome: outcome.kind });
  },
  afterFailures: async (records, failed) => {
    await backoff.retryLater(records, failed);
  },
});
