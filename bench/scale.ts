/**
 * Scale benchmark: the order rate at which the hottest DynamoDB partition that orders share reaches DynamoDB's
 * per-partition limits, what the scheduled jobs read at that rate, and how many units per second one hot SKU takes.
 *
 *   npm run bench:scale [-- --orders 1000] [-- --concurrency 12] [-- --skus 1200] [-- --customers 60] [-- --zipf 110]
 *                       [-- --seed 12] [-- --hot 400] [-- --shards 8] [-- --timeout 900] [-- --stage prod] [-- --no-synth]
 *
 * Synthesizes the stage, boots the local runtime in this process (state in bench/.out/scale, its own ports), seeds
 * a catalog and customers (bench/scale/workload.ts), drives --orders orders to FULFILLED with the DynamoDB front's
 * heat recording on (orders.ts), runs each scheduled job once (jobs.ts), runs --hot concurrent reservations of one
 * SKU with one stock item and again with --shards stock shards (hot-sku.ts), prints the tables and the one-line result, and rewrites the "Scale" section of
 * docs/benchmarks.md. The runtime is stopped at the end, also on error or Ctrl-C.
 */
import { publishSection } from './lib/benchmarks-doc';
import { prepareStage, withLocalRuntime } from './lib/local-runtime';
import { loadAverage } from './lib/machine';
import { hotSkuRun } from './scale/hot-sku';
import { runScheduledJobs } from './scale/jobs';
import { SCALE_DIRECTORIES, scaleOptions } from './scale/options';
import { driveOrders } from './scale/orders';
import { scaleFigures, scaleReport } from './scale/report';
import { scaleSection } from './scale/section';
import { withScaleContext } from './scale/workload';

// Lambda runs Node 24; the SDK's warning about this machine's Node 20 says nothing about the deployed system.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

async function main(): Promise<void> {
  const opts = scaleOptions();
  const started = Date.now();
  const loadBefore = loadAverage();
  await prepareStage(opts, SCALE_DIRECTORIES);
  await withLocalRuntime(opts, SCALE_DIRECTORIES, started, async (runtime) => {
    await withScaleContext(runtime, opts, async (ctx) => {
      const orders = await driveOrders(ctx, opts);
      if (orders.fulfilled === 0) throw new Error(`No order reached FULFILLED: ${orders.problems[0] ?? 'no problem recorded'}`);
      const jobs = await runScheduledJobs(runtime);
      // The same hot SKU with one stock item and with --shards, in the same run (issue 12, item 3).
      const hotOne = await hotSkuRun(ctx, opts, 1);
      const hot = await hotSkuRun(ctx, opts, opts.shards);
      const results = { orders, jobs, hot, hotOne };
      const figures = scaleFigures(results, opts);
      const report = scaleReport(results, figures, opts, ctx);
      console.log(`\n${report}\n`);
      publishSection('scale', scaleSection(opts, loadBefore, report), started);
      console.log(figures.line);
    });
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
