import { num, usd } from '../lib/format';
import type { CapacityResult } from './capacity';
import type { LambdaPerOrder } from './paid-orders';

/** Public on-demand prices, us-east-1, USD (checked by hand; see the section's notes). */
const PRICES = {
  writeRequestUnit: 0.625 / 1e6,
  readRequestUnit: 0.125 / 1e6,
  stateTransition: 0.025 / 1000,
  lambdaRequest: 0.2 / 1e6,
  lambdaArmGbSecond: 0.0000133334,
  restApiRequest: 3.5 / 1e6,
  sqsRequest: 0.4 / 1e6,
};
/** SQS requests per order on the fulfilment queue: SendMessage, then Lambda's ReceiveMessage and DeleteMessage. */
const SQS_REQUESTS_PER_ORDER = 3;

interface CostLine {
  readonly item: string;
  readonly perOrder: string;
  readonly unitPrice: string;
  readonly per1000: number;
  readonly basis: string;
}

/** The cost table: what one order uses of each billed service, priced per 1,000 orders. */
export function costTable(c: CapacityResult, lambda: LambdaPerOrder, transitions: number): string {
  const lines = costLines(c, lambda, transitions);
  const total = lines.reduce((s, l) => s + l.per1000, 0);
  return [
    '| Item | Per order | Price (us-east-1, on demand) | Per 1,000 orders | Basis |',
    '|---|--:|---|--:|---|',
    ...lines.map((l) => `| ${l.item} | ${l.perOrder} | ${l.unitPrice} | ${usd(l.per1000)} | ${l.basis} |`),
    `| **Total** | | | **${usd(total)}** | |`,
  ].join('\n');
}

function costLines(c: CapacityResult, lambda: LambdaPerOrder, transitions: number): CostLine[] {
  const apiRequests = 2 + lambda.webhookDeliveries;
  return [
    {
      item: 'DynamoDB writes',
      perOrder: `${num(c.writeUnits)} WRU`,
      unitPrice: '$0.625 / million WRU',
      per1000: 1000 * c.writeUnits * PRICES.writeRequestUnit,
      basis: 'measured (ConsumedCapacity from DynamoDB Local, indexes included)',
    },
    {
      item: 'DynamoDB reads',
      perOrder: `${num(c.readUnits)} RRU`,
      unitPrice: '$0.125 / million RRU',
      per1000: 1000 * c.readUnits * PRICES.readRequestUnit,
      basis: 'measured (ConsumedCapacity from DynamoDB Local)',
    },
    {
      item: 'Step Functions Standard',
      perOrder: `${transitions} transitions`,
      unitPrice: '$0.025 / 1,000 transitions',
      per1000: 1000 * transitions * PRICES.stateTransition,
      basis: 'states of the happy path, +1 for the start (assumption)',
    },
    {
      item: 'Lambda requests',
      perOrder: `${num(lambda.invocations, 2)} invocations`,
      unitPrice: '$0.20 / million',
      per1000: 1000 * lambda.invocations * PRICES.lambdaRequest,
      basis: 'measured on the paid orders',
    },
    {
      item: 'Lambda duration (arm64)',
      perOrder: `${num(lambda.gbSeconds, 4)} GB-s`,
      unitPrice: '$0.0000133334 / GB-s',
      per1000: 1000 * lambda.gbSeconds * PRICES.lambdaArmGbSecond,
      basis: 'rough: local durations (x64, worker threads, loopback) at the configured memory',
    },
    {
      item: 'API Gateway REST',
      perOrder: `${num(apiRequests, 2)} requests`,
      unitPrice: '$3.50 / million',
      per1000: 1000 * apiRequests * PRICES.restApiRequest,
      basis: `POST /checkout, one GET /orders/{id}, ${num(lambda.webhookDeliveries, 2)} Stripe webhook deliveries (measured)`,
    },
    {
      item: 'SQS',
      perOrder: `${SQS_REQUESTS_PER_ORDER} requests`,
      unitPrice: '$0.40 / million',
      per1000: 1000 * SQS_REQUESTS_PER_ORDER * PRICES.sqsRequest,
      basis: 'assumption: send, receive, delete of one OrderConfirmed',
    },
  ];
}
