import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { LocalRuntime } from '../../local/runtime/local-runtime';
import { log, secondsSince } from '../lib/progress';
import { synthesizeFresh } from '../lib/synthesis';
import { CHECKOUT_OUT, type CheckoutOptions } from './options';

const CDK_OUT = path.join(CHECKOUT_OUT, 'cdk.out');
/** The local runtime's state: endpoints.json, pids.json (read for CPU figures) and function logs. */
export const STATE_DIRECTORY = path.join(CHECKOUT_OUT, 'state');

/** Synthesizes the stage (unless --no-synth) and clears the function logs of the previous run. */
export async function prepareStage(opts: CheckoutOptions): Promise<void> {
  if (opts.synth) await synthesizeFresh(opts.stage, CDK_OUT);
  rmSync(path.join(STATE_DIRECTORY, 'logs'), { recursive: true, force: true });
}

/** Boots the local runtime with demo data, runs `use` on it and stops it afterwards, also on error or Ctrl-C. */
export async function withLocalRuntime(opts: CheckoutOptions, startedAt: number, use: (runtime: LocalRuntime) => Promise<void>): Promise<void> {
  log('Starting the local runtime (DynamoDB Local, cognito-local, SQS, Step Functions, Lambda workers, stand-ins; demo data)...');
  const runtime = await LocalRuntime.start({
    cdkOut: CDK_OUT,
    stage: opts.stage,
    stateDirectory: STATE_DIRECTORY,
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
