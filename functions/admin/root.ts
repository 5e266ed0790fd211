/** The admin area's composition root (the order listing, refunds, the audit trail and its verification, reconciliation reports, dead-letter redrive, the mitigation switches), once per cold start. */
export { cursorCodec, now } from '../wiring/platform';
export { auditChains, auditLog, orderRepository, reconciliationReports } from '../wiring/dynamodb';
export { deadLetterRedrive } from '../wiring/sqs';
export { paymentGateway } from '../wiring/stripe';
export { switchCacheSeconds, switchProviders, switchStore } from '../wiring/ssm';
