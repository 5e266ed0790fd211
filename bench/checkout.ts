/**
 * Checkout benchmark: how many checkouts per second the local runtime takes, how far the saga keeps up, what the
 * same DynamoDB Local does with the saga's transaction on its own, and what an order costs at AWS on-demand prices.
 *
 *   npm run bench:checkout [-- --orders 200] [-- --concurrency 16] [-- --paid 5] [-- --capacity 5]
 *                          [-- --transactions 1000] [-- --timeout 180] [-- --stage dev] [-- --no-synth]
 *
 * Synthesizes the stage, boots the local runtime in this process (state in bench/.out/checkout, its own ports), and:
 *  1. fires --orders POST /checkout as the demo customer for one fresh SKU, --concurrency at a time, and watches the
 *     orders table until every accepted order is AWAITING_PAYMENT (the saga's ReserveStock, CreatePaymentIntent and
 *     AwaitPayment have run);
 *  2. pays --paid orders one at a time (after one warm-up order) through to FULFILLED with the Stripe stand-in,
 *     counting the Lambda invocations, their durations and the Step Functions states each order costs;
 *  3. drives --capacity orders through the real DynamoDB adapters and domain use cases with ReturnConsumedCapacity,
 *     which DynamoDB Local answers, for the read and write units of one order;
 *  4. runs --transactions of ReserveStock's transaction (the real DynamoDbStockLedger.reserve) against scratch copies
 *     of the catalog and orders tables, on distinct SKUs, then on one hot SKU;
 * prints markdown tables and rewrites the "Checkout" section of docs/benchmarks.md. The runtime is stopped at the end,
 * also on error or Ctrl-C.
 */
import { capacityPhase } from './checkout/capacity';
import { withBenchContext } from './checkout/context';
import { CHECKOUT_DIRECTORIES, checkoutOptions } from './checkout/options';
import { paidPhase } from './checkout/paid-orders';
import { rawPhase } from './checkout/raw-transactions';
import { checkoutReport } from './checkout/report';
import { checkoutSection } from './checkout/section';
import { throughputPhase } from './checkout/throughput';
import { publishSection } from './lib/benchmarks-doc';
import { prepareStage, withLocalRuntime } from './lib/local-runtime';
import { InvocationLog } from './lib/lambda-invocations';
import { loadAverage } from './lib/machine';
import { clockTicksPerSecond, cpuSnapshot } from './lib/process-cpu';

// Lambda runs Node 24; the SDK's warning about this machine's Node 20 says nothing about the deployed system.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

async function main(): Promise<void> {
  const opts = checkoutOptions();
  const started = Date.now();
  const loadBefore = loadAverage();
  await prepareStage(opts, CHECKOUT_DIRECTORIES);
  await withLocalRuntime(opts, CHECKOUT_DIRECTORIES, started, async (runtime) => {
    const invocations = new InvocationLog();
    invocations.attach(runtime.services.lambdas);
    await withBenchContext(runtime, async (ctx) => {
      const ticks = clockTicksPerSecond();
      const cpu = () => cpuSnapshot(CHECKOUT_DIRECTORIES.state, ticks);
      const throughput = await throughputPhase(ctx, opts, invocations, cpu);
      const paid = await paidPhase(ctx, opts, invocations);
      const capacity = await capacityPhase(ctx, opts, paid.lambda);
      const raw = await rawPhase(ctx, opts, cpu);
      const results = { throughput, paid, capacity, raw };
      const report = checkoutReport(results, opts);
      console.log(`\n${report}\n`);
      publishSection('checkout', checkoutSection(results, opts, loadBefore, report), started);
    });
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
