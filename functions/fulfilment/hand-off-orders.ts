import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import middy from '@middy/core';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { HttpFulfilmentProvider } from '../../shared/adapters/http-fulfilment-provider';
import { requiredEnv } from '../../shared/config/env';
import { handOffOrder } from '../../shared/domain/orders/fulfilment';
import { logger } from '../../shared/observability/powertools';
import { now, orderRepository } from '../saga/saga-deps';

const apiKeyArn = requiredEnv('FULFILMENT_API_KEY_SECRET_ARN');
const deps = {
  orders: orderRepository(),
  provider: new HttpFulfilmentProvider(requiredEnv('FULFILMENT_API_URL'), async () => {
    const key = await getSecret(apiKeyArn, { maxAge: 300 });
    if (typeof key !== 'string' || key.length === 0) throw new Error('The fulfilment API key secret is empty');
    return key;
  }),
  now,
};
const processor = new BatchProcessor(EventType.SQS);
const MessageSchema = z.object({ type: z.literal('OrderConfirmed'), orderId: z.string().min(1).max(64) });

async function handOff(record: SQSRecord): Promise<void> {
  const parsed = MessageSchema.safeParse(JSON.parse(record.body));
  // A malformed message can never succeed: it fails here and reaches the DLQ after maxReceiveCount.
  if (!parsed.success) throw new Error(`Message ${record.messageId} is not an OrderConfirmed event`);
  const outcome = await handOffOrder(deps, parsed.data.orderId);
  logger.info('Fulfilment hand-off', { orderId: parsed.data.orderId, outcome });
}

/** Consumer of the fulfilment queue: each message on its own; failed ones are reported back (partial batch). */
export const handler = middy((event: SQSEvent) => processPartialResponse(event, handOff, processor)).use(injectLambdaContext(logger, { resetKeys: true }));
