import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsOrderEvents } from '../../shared/adapters/sqs-order-events';
import { requiredEnv } from '../../shared/config/env';

/** OrderConfirmed events on the fulfilment queue. */
export const orderEvents = () => new SqsOrderEvents(new SQSClient({}), requiredEnv('FULFILMENT_QUEUE_URL'));
