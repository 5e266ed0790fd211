/**
 * `npm start` benchmark: how long until the local runtime is ready, and where that time goes.
 *
 *   npm run bench:start [-- --runs 3] [-- --stage dev]
 *
 * Each run boots `local/cli/start.ts` as `npm start` does, in its own directory under bench/.out/start, and stops it
 * by its PID once the banner says it is ready:
 *  1. first start: no cloud assembly and an empty bundle cache, as in a fresh clone after `npm ci`;
 *  2. restart: the same directories again, sources unchanged (the assembly is reused);
 *  3. test global setup's synthesis (test/setup/runtime-global-setup.ts) into a new directory with every bundle
 *     cached, as after a change outside every function's inputs.
 * Reads the banner's split (synth, bundling, emulators, seeding), prints the medians and rewrites the "npm start"
 * section of docs/benchmarks.md.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../lib/constructs/stockade-function';
import { synthesizeStage } from '../local/runtime/synth';
import { publishSection } from './lib/benchmarks-doc';
import { benchCommand, integerOption } from './lib/cli-options';
import { loadAverage, machineDescription, measuredAt } from './lib/machine';
import { log } from './lib/progress';
import { median } from './lib/stats';

const OUT = path.join(PROJECT_ROOT, 'bench', '.out', 'start');

/** The split the banner prints, in seconds. */
interface StartSplit {
  readonly ready: number;
  readonly synth: number;
  readonly bundling: number;
  readonly emulators: number;
  readonly seeding: number;
  readonly load: string;
}

const SPLIT = /synth ([\d.]+) s.*?, bundling ([\d.]+) s.*?, emulators ([\d.]+) s, seeding ([\d.]+) s, total ([\d.]+) s/;

/** Boots the runtime once, waits for its banner, stops it by its PID, and returns the banner's figures. */
async function bootOnce(stage: string, directory: string): Promise<StartSplit> {
  const load = loadAverage();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(PROJECT_ROOT, 'local', 'cli', 'start.ts'),
      '--stage',
      stage,
      '--cdk-out',
      path.join(directory, 'cdk.out'),
      '--bundle-cache',
      path.join(directory, 'bundles'),
      '--state-dir',
      path.join(directory, 'state'),
    ],
    { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    const split = await new Promise<StartSplit>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready in 300 s:\n${output}`)), 300_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const m = SPLIT.exec(output);
        if (m) {
          clearTimeout(timer);
          const [synth, bundling, emulators, seeding, ready] = m.slice(1).map(Number) as [number, number, number, number, number];
          resolve({ ready, synth, bundling, emulators, seeding, load });
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`start.ts exited with ${code}:\n${output}`));
      });
    });
    return split;
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGINT');
      await exited;
    }
  }
}

function row(label: string, runs: readonly StartSplit[]): string {
  const med = (pick: (s: StartSplit) => number) => median(runs.map(pick)).toFixed(1);
  return `| ${label} | ${runs.map((r) => r.ready.toFixed(1)).join(' / ')} | **${med((r) => r.ready)}** | ${med((r) => r.synth)} | ${med((r) => r.bundling)} | ${med((r) => r.emulators)} | ${med((r) => r.seeding)} | ${runs.map((r) => r.load).join(' / ')} |`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, stage: { type: 'string', default: 'dev' } } });
  const runs = integerOption('runs', values.runs, 1, 20);
  const stage = values.stage;
  const started = Date.now();
  const first: StartSplit[] = [];
  const restart: StartSplit[] = [];
  for (let i = 0; i < runs; i++) {
    const directory = path.join(OUT, `run-${i}`);
    rmSync(directory, { recursive: true, force: true });
    mkdirSync(directory, { recursive: true });
    log(`Run ${i + 1}/${runs}: first start (no assembly, empty bundle cache)...`);
    first.push(await bootOnce(stage, directory));
    log(`Run ${i + 1}/${runs}: restart with unchanged sources...`);
    restart.push(await bootOnce(stage, directory));
  }
  // Test global setup's synthesis, with the bundles the runs above cached.
  const setup: number[] = [];
  for (let i = 0; i < runs; i++) {
    const outdir = path.join(OUT, `setup-${i}`);
    rmSync(outdir, { recursive: true, force: true });
    log(`Run ${i + 1}/${runs}: test global setup's synthesis, bundles cached...`);
    const result = await synthesizeStage({ stage, outdir, bundleCache: path.join(OUT, 'run-0', 'bundles') });
    setup.push(result.ms / 1000);
  }
  const setupLoad = loadAverage();
  const body = [
    '## npm start',
    '',
    `Measured ${measuredAt()} with \`${benchCommand('bench:start')}\` (${runs} runs each): ${machineDescription()}. Times in seconds, from`,
    'the banner of `npm start` (`ready in`, and its split); 1-minute load average beside each run. Other work on the machine makes',
    'these noisy: compare medians at similar load.',
    '',
    '| Start | Ready, each run | Ready, median | Synth | Bundling | Emulators | Seeding | Load |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    row('First start (no assembly, empty bundle cache)', first),
    row('Restart, sources unchanged', restart),
    '',
    `Test global setup's synthesis of ${stage} into a new directory with every bundle cached: ${setup.map((s) => s.toFixed(1)).join(' / ')} s`,
    `(median ${median(setup).toFixed(1)} s, load ${setupLoad}); with unchanged sources and its assembly in place it is skipped.`,
    '',
    'Synth is the `cdk synth` child without its bundling (the input check alone on a restart); bundling is esbuild through the',
    'bundle cache; emulators is starting and provisioning them after the assembly is ready (DynamoDB Local and SQS start',
    'during the synthesis); seeding is the demo users and catalog.',
  ].join('\n');
  console.log(body);
  publishSection('start', body, started);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
