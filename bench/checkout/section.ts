import { num } from '../lib/format';
import { machineDescription, measuredAt } from '../lib/machine';
import { sourceRevision } from '../lib/source-revision';
import { TASK_TOKEN_CHARS } from './capacity';
import type { CheckoutOptions } from './options';
import { POLL_MS } from '../lib/order-status';
import type { CheckoutResults } from './report';

/** The "Checkout" section of docs/benchmarks.md: how and where it was measured, the report, and how to read it. */
export function checkoutSection(results: CheckoutResults, opts: CheckoutOptions, loadBefore: string, report: string): string {
  return `## Checkout

Measured ${measuredAt()} with \`${opts.command}\`: stage ${opts.stage}, source ${sourceRevision(['bin', 'lib', 'functions', 'shared', 'local', 'package.json', 'package-lock.json'])}, one local runtime on 127.0.0.1 booted in-process.
Machine: ${machineDescription()}. 1-minute load average before the run: ${loadBefore}. Everything (DynamoDB Local's JVM, the Lambda worker threads, the Step Functions interpreter, this client) shares those cores.

${report}

How to read it:

${howToRead(results)}
`;
}

/** The notes under the report, with the figures they depend on. */
function howToRead({ raw, capacity, paid }: CheckoutResults): string {
  return `- **This is the local emulator, not AWS.** The rates say how far one small machine takes the whole system, and where it saturates first; they are not AWS capacity. On AWS each function scales out on its own, DynamoDB on-demand partitions the load, and the dev stage's API throttle (50 requests/s, burst 100) and WAF rate rules would refuse what exceeds them. Watch the ratios between rows more than the absolute numbers, and the *cores busy* row for what saturated. The local runtime also runs at most 10 execution environments per function (Lambda scales to the account's concurrency), so above 10 concurrent requests queue for one; the 202 latency is mostly that queue (concurrency ÷ rate).
- *Accepted per second* is API Gateway → authorizer → CreateCheckout (Powertools idempotency record, catalog read, order transaction, StartExecution) answering 202. *End to end* counts orders until the saga has run ReserveStock, CreatePaymentIntent (Stripe stand-in) and AwaitPayment, read from the orders table every ${POLL_MS} ms, from the first request to the last order seen AWAITING_PAYMENT.
- All checkouts buy the same SKU, so every ReserveStock (and CommitOrder) transaction updates one item. ${
    raw.hot.conflicts === 0
      ? "The runtime's DynamoDB cancelled none of the concurrent transactions on it (hot-SKU row), which is unlikely at this concurrency: check that its transaction-conflict emulation (local/aws/dynamodb/dynamodb-front.ts) is on."
      : "As DynamoDB does, the runtime's DynamoDB cancels a transaction that meets another one in progress on the same item with TransactionConflict (local/aws/dynamodb/dynamodb-front.ts; DynamoDB Local alone runs one request at a time and never does): see the conflict rows. The functions' DynamoDB client retries a request that lost to a concurrent transaction (shared/adapters/dynamodb-conflict-retry.ts: the SDK's own backoff, up to twice more); what still loses goes back to the saga (TransientError; Retry from 1 s, doubling, full jitter, 6 attempts), which *ReserveStock invocations per order* above 1 shows."
  }
- *IAM enforcement* is measured two ways. The on/off rates come from short runs in the order on, off, off, on (the runtime keeps getting faster as DynamoDB Local's JVM and V8 compile their hot paths, which one run after the other would credit to the second), and differ by more from run to run than IAM could explain. The steadier figure is the time the runtime spends in \`IamService.authorize\` per order, divided by the CPU an order costs the whole runtime (cores busy ÷ orders per second): that is IAM's share of the work.
- *Raw transactions* run the real \`DynamoDbStockLedger.reserve\` (hold Put, SKU Update with \`available >= :q\`, order Update and history Put: one TransactWriteItems of 4 items) against scratch copies of the catalog and orders tables (same keys and indexes, created and deleted by the run), on pre-seeded distinct SKUs and PENDING orders: the ceiling DynamoDB Local puts under the saga on this machine.${
    raw.hot.seconds > 0 && raw.seconds > 0 && raw.hot.reserved / raw.hot.seconds >= 0.9 * (raw.reserved / raw.seconds)
      ? ' The hot SKU went as fast as distinct ones: the conflicts cost it little at this concurrency.'
      : ''
  }
- *One paid order* goes checkout → AWAITING_PAYMENT → GET /orders/{id} (the client secret) → PaymentIntent confirmed with the Stripe SDK against the stand-in (which sends signed webhooks for the event types the endpoint subscribes to, as a deployed endpoint is told to in README: ${num(paid.lambda.webhookDeliveries, 2)} per order here) → CONFIRMED → OrderConfirmed on SQS → hand-off → FULFILLED, one order at a time. Invocations are counted and timed around each local function's \`invoke()\` in this process, so a duration includes the hop to its worker thread. The authorizer runs on every authenticated request (its result cache is off, as deployed).
- *Capacity*: DynamoDB Local reports ConsumedCapacity and applies DynamoDB's rules: 1 unit per KB written, 2 per KB for each item of a TransactWriteItems, 1 per 4 KB read strongly consistently, and index writes (2 when an index key changes). It also charges transactional items' index writes at 2 units; AWS documents the doubling for the items of a transaction, so the index share of transactional writes may be an over-estimate. The task token stored while the order awaits payment is assumed to be ${TASK_TOKEN_CHARS} characters (AWS's are opaque and far longer than the local interpreter's 86); it is kept in a PAYMENTWAIT item of its own, not on the order (docs/data-model.md). The orders table's byCustomer and byStatus indexes keep only keys, so an order's writes that move no index key write no index; index writes are ${num(capacity.steps.reduce((sum, x) => sum + x.writeIndexUnits, 0))} of the ${num(capacity.writeUnits)} write units. The Powertools idempotency record is measured, not estimated: its PutItem (INPROGRESS) and UpdateItem (COMPLETED, with the response) on the idempotency table are in the POST /checkout row. One GET /orders/{id} per order is counted (the storefront needs it for the client secret); each further poll costs 1 RRU, 2 Lambda invocations (authorizer, GetOrder) and 1 API request.
- *Cost* uses AWS list prices for us-east-1 (on-demand DynamoDB $0.625 per million WRU and $0.125 per million RRU; Step Functions Standard $0.025 per 1,000 transitions; Lambda $0.20 per million requests and $0.0000133334 per GB-second on arm64; API Gateway REST $3.50 per million; SQS $0.40 per million), without free tiers. Lambda duration is the weakest figure: local x64 times at the configured memory, where Lambda's 512 MB gets well under one vCPU and real network calls to DynamoDB, Stripe and Step Functions take longer. The Step Functions count is the happy path's ${paid.happy.length} states plus 1 for the start (conservative); retries add transitions. Not included: Stripe's fees (by far the largest per-order cost), CloudWatch Logs ingestion, X-Ray traces, WAF requests, KMS, Secrets Manager (cached), Cognito, data transfer and DynamoDB storage.`;
}
