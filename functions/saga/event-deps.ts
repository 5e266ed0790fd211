import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsOrderEvents } from '../../shared/adapters/sqs-order-events';
import { requiredEnv } from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';

/** OrderConfirmed events on the fulfilment queue. */
export const orderEvents = () => new SqsOrderEvents(new SQSClient({}), requiredEnv(ENV.FULFILMENT_QUEUE_URL));
