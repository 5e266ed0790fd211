import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsDeadLetterRedrive } from '../../shared/adapters/sqs-dead-letter-redrive';
import { SqsErasureRequests } from '../../shared/adapters/sqs-erasure-requests';
import { SqsInventoryUpdateQueue } from '../../shared/adapters/sqs-inventory-update-queue';
import { SqsOrderEvents } from '../../shared/adapters/sqs-order-events';
import { SqsPaymentEventQueue } from '../../shared/adapters/sqs-payment-event-queue';
import { SqsRetryBackoff } from '../../shared/adapters/sqs-retry-backoff';
import { requiredEnv } from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';
import { redriveQueues } from '../../shared/config/redrive-queues';
import { once } from './once';
import { now } from './platform';

const sqsClient = /* @__PURE__ */ once(() => new SQSClient({}));
const inventoryUpdatesQueueUrl = () => requiredEnv(ENV.INVENTORY_UPDATES_QUEUE_URL);

/** OrderConfirmed events on the fulfilment queue. */
export const orderEvents = () => new SqsOrderEvents(sqsClient(), requiredEnv(ENV.FULFILMENT_QUEUE_URL));
/** Verified Stripe events, in order per PaymentIntent, for the payment events consumer. */
export const paymentEventQueue = () => new SqsPaymentEventQueue(sqsClient(), requiredEnv(ENV.PAYMENT_EVENTS_QUEUE_URL));
/** Translated stock lines, in order per SKU, for the inventory updates consumer. */
export const inventoryUpdateQueue = () => new SqsInventoryUpdateQueue(sqsClient(), inventoryUpdatesQueueUrl());
/** Delays a retried inventory update by its visibility timeout. */
export const inventoryRetryBackoff = () => new SqsRetryBackoff(sqsClient(), inventoryUpdatesQueueUrl());
/** Moves dead-lettered messages back to the queues REDRIVE_QUEUES names. */
export const deadLetterRedrive = () => new SqsDeadLetterRedrive(sqsClient(), redriveQueues(), now);
/** Erasure requests, for the erasure run. */
export const erasureRequests = () => new SqsErasureRequests(sqsClient(), requiredEnv(ENV.ERASURE_QUEUE_URL));
/** Brings a waiting erasure request back with backoff, up to ERASURE_RETRY_MAX_SECONDS between attempts. */
export const erasureRetryBackoff = (maxSeconds: number) => new SqsRetryBackoff(sqsClient(), requiredEnv(ENV.ERASURE_QUEUE_URL), { baseSeconds: 2, maxSeconds });
