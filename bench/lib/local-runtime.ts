import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { LocalRuntime } from '../../local/runtime/local-runtime';
import { log, secondsSince } from './progress';
import { synthesizeFresh } from './synthesis';

/** What a benchmark's own local runtime is built from: the stage, and whether to synthesize it again. */
export interface BenchStageOptions {
  readonly stage: string;
  readonly synth: boolean;
}

/** Where a benchmark keeps its synthesized stage and its runtime's state, under its own directory in bench/.out. */
export interface BenchDirectories {
  readonly cdkOut: string;
  /** The local runtime's state: endpoints.json, pids.json (read for CPU figures) and function logs. */
  readonly state: string;
}

export const benchDirectories = (out: string): BenchDirectories => ({ cdkOut: path.join(out, 'cdk.out'), state: path.join(out, 'state') });

/** Synthesizes the stage (unless --no-synth) and clears the function logs of the previous run. */
export async function prepareStage(opts: BenchStageOptions, dirs: BenchDirectories): Promise<void> {
  if (opts.synth) await synthesizeFresh(opts.stage, dirs.cdkOut);
  rmSync(path.join(dirs.state, 'logs'), { recursive: true, force: true });
}

/**
 * Boots the local runtime with demo data (free ports, the benchmark's own state directory), runs `use` on it and
 * stops it afterwards, also on error or Ctrl-C.
 */
export async function withLocalRuntime(
  opts: BenchStageOptions,
  dirs: BenchDirectories,
  startedAt: number,
  use: (runtime: LocalRuntime) => Promise<void>,
): Promise<void> {
  log('Starting the local runtime (DynamoDB Local, cognito-local, SQS, Step Functions, Lambda workers, stand-ins; demo data)...');
  const runtime = await LocalRuntime.start({
    cdkOut: dirs.cdkOut,
    stage: opts.stage,
    stateDirectory: dirs.state,
    seedDemoData: true,
    throttle: false,
    wafRateRules: false,
  });
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= runtime.stop());
  const onSignal = (signal: NodeJS.Signals) => {
    log(`\n${signal}: stopping the local runtime...`);
    void stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    log(`Runtime up in ${secondsSince(startedAt)} s: API ${runtime.endpoints.apiUrl}, DynamoDB Local ${runtime.endpoints.aws.dynamodb}`);
    await use(runtime);
  } finally {
    log('Stopping the local runtime...');
    await stop();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
