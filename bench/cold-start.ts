/**
 * Cold-start benchmark: what each function's bundle costs to load, against a hello-world bundled the same way.
 *
 *   npm run bench:cold-start [-- --runs 7] [-- --stage dev]
 *
 * Synthesizes the stage (real CDK bundling), measures every AWS::Lambda::Function of the template plus the baseline
 * in fresh Node processes, prints a markdown table and rewrites the "Cold start" section of docs/benchmarks.md.
 */
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { CloudAssembly } from '../local/runtime/assembly';
import { bundlesToMeasure } from './cold-start/bundles';
import { coldStartOptions } from './cold-start/options';
import { measure } from './cold-start/probe';
import { coldStartReport } from './cold-start/report';
import { coldStartSection } from './cold-start/section';
import { functionTargets } from './cold-start/targets';
import { publishSection } from './lib/benchmarks-doc';
import { BENCH_OUT } from './lib/paths';
import { log } from './lib/progress';
import { synthesizeFresh } from './lib/synthesis';

async function main(): Promise<void> {
  const opts = coldStartOptions();
  const started = Date.now();
  const cdkOut = path.join(BENCH_OUT, 'cdk.out');
  for (const scratch of ['baseline', 'framework', 'rebuilt']) rmSync(path.join(BENCH_OUT, scratch), { recursive: true, force: true });
  await synthesizeFresh(opts.stage, cdkOut);
  const { targets: functions, skipped } = functionTargets(CloudAssembly.load(cdkOut, opts.stage), opts.stage);
  const { baseline, framework, measured } = await bundlesToMeasure(functions, opts.stage);
  log(
    `Measuring ${measured.length} bundles (${functions.length} functions, their SDK floors, the baseline and the framework reference), ${opts.runs} runs each...`,
  );
  await measure(measured, opts.runs);
  const report = coldStartReport(measured, baseline, framework, skipped);
  console.log(`\n${report}\n`);
  publishSection('cold-start', coldStartSection(report, opts), started);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
