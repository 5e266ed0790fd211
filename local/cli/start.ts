import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { LocalRuntime, type StartupTimings } from '../runtime/local-runtime';
import { STAGES } from '../../lib/config/stage-config';
import { claimStateDirectory, StateDirectoryInUseError } from '../runtime/process';
import { PROJECT_ROOT, type SynthResult, synthesizeStage } from '../runtime/synth';

const HELP = `Usage: npm start -- [options]

Synthesizes a stage and plays it on this machine (127.0.0.1), from the synthesized template in cdk.out.

  --stage <dev|staging|prod>  stage to synthesize and run (default dev)
  --port <n>                  API port (default: a free port; see .stockade/endpoints.json)
  --no-synth                  reuse the existing cloud assembly instead of synthesizing
  --force-synth               synthesize even if nothing the assembly was synthesized from has changed
  --bundle-cache <dir|off>    where function bundles are cached (default node_modules/.cache/stockade-bundles;
                              off: CDK bundles every function itself)
  --cdk-out <dir>             cloud assembly directory (default <state-dir>/cdk.out, apart from cdk synth's)
  --state-dir <dir>           where endpoints.json and function logs go (default .stockade)
  --verbose                   print function logs here too (they are always in <state-dir>/logs)
  --no-demo-data              do not seed the demo catalog and the demo customer's address (demo users are always created)
  --no-throttle               do not play the stage's API throttle (for load tests and benchmarks above its rate)
  --no-waf-rate-rules         do not play the web ACL's rate-based rules (its other rules still apply); their
                              5-minute windows scale with STOCKADE_WAF_WINDOW_SCALE (e.g. 0.01: 3 seconds)
  -h, --help                  this help`;

// Lambda runs Node 24; the SDK's warning about this machine's Node 20 says nothing about the deployed system.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      stage: { type: 'string', default: 'dev' },
      port: { type: 'string' },
      'no-synth': { type: 'boolean', default: false },
      'force-synth': { type: 'boolean', default: false },
      'bundle-cache': { type: 'string' },
      'cdk-out': { type: 'string' },
      'state-dir': { type: 'string', default: path.join(PROJECT_ROOT, '.stockade') },
      verbose: { type: 'boolean', default: false },
      'no-demo-data': { type: 'boolean', default: false },
      'no-throttle': { type: 'boolean', default: false },
      'no-waf-rate-rules': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const stage = values.stage;
  if (!(STAGES as readonly string[]).includes(stage)) {
    console.error(`Unknown stage "${stage}" for --stage: choose one of ${STAGES.join(', ')}`);
    process.exit(2);
  }
  const stateDirectory = path.resolve(values['state-dir']);
  // The runtime's own assembly, so `npx cdk synth` into ./cdk.out never changes what a running runtime plays.
  const cdkOut = path.resolve(values['cdk-out'] ?? path.join(stateDirectory, 'cdk.out'));
  const started = performance.now();
  try {
    claimStateDirectory(stateDirectory);
  } catch (error) {
    if (!(error instanceof StateDirectoryInUseError)) throw error;
    console.error(error.message);
    process.exit(1);
  }

  rmSync(path.join(stateDirectory, 'endpoints.json'), { force: true });
  // The emulators that need no template start while the stage is synthesized.
  const synthesis = values['no-synth']
    ? undefined
    : synthesizeStage({ stage, outdir: cdkOut, force: values['force-synth'], bundleCache: values['bundle-cache'] }).then((result) => {
        console.log(
          result.skipped
            ? `Stage ${stage}: sources unchanged since the last synthesis, reusing ${path.relative(process.cwd(), cdkOut) || cdkOut}`
            : `Synthesized stage ${stage} (cdk-nag included) in ${seconds(result.ms)}: ${result.bundling.built} bundles built, ${result.bundling.reused} reused`,
        );
        return result;
      });
  const runtime = await LocalRuntime.start({
    cdkOut,
    stage,
    stateDirectory,
    apiPort: values.port ? Number(values.port) : undefined,
    echoLogs: values.verbose,
    seedDemoData: !values['no-demo-data'],
    throttle: !values['no-throttle'],
    wafRateRules: !values['no-waf-rate-rules'],
    assemblyReady: synthesis,
  });
  const synthesized = await synthesis;
  const total = performance.now() - started;

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the local runtime ...`);
    await runtime.stop();
    rmSync(path.join(stateDirectory, 'endpoints.json'), { force: true });
    console.log('Stopped. Nothing left running.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGHUP', () => void stop('SIGHUP'));

  console.log(
    [
      '',
      `Stockade ${stage} is running locally (pid ${process.pid}, ready in ${seconds(total)})`,
      `  ${readySplit({ total, synthesized, timings: runtime.timings })}`,
      '',
      ...runtime.describe().map((l) => `  ${l}`),
      '',
      `  Demo data: ${runtime.demoProducts} products; users customer, vendor, vendor2, admin (npm run login -- --user <name>)`,
      `  Endpoints, credentials and secrets for clients: ${path.relative(process.cwd(), path.join(stateDirectory, 'endpoints.json'))}`,
      `  Try: curl ${runtime.endpoints.apiUrl}/health`,
      '',
      'Press Ctrl-C to stop everything.',
    ].join('\n'),
  );
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Where the start-up time went: synthesis (bundling excluded, or the input check when nothing changed), bundling,
 * emulators (starting and provisioning them from the template, beyond what overlapped the synthesis) and seeding.
 * bench/start.ts reads this line.
 */
function readySplit(options: { total: number; synthesized?: SynthResult; timings: StartupTimings }): string {
  const { synthesized, timings } = options;
  const synth = synthesized
    ? `synth ${seconds(synthesized.ms - synthesized.bundling.ms)}${synthesized.skipped ? ' (unchanged, reused)' : ''}`
    : 'synth skipped (--no-synth)';
  const bundles = synthesized && !synthesized.skipped ? ` (${synthesized.bundling.built} built, ${synthesized.bundling.reused} reused)` : '';
  return `${synth}, bundling ${seconds(synthesized?.bundling.ms ?? 0)}${bundles}, emulators ${seconds(timings.emulators)}, seeding ${seconds(timings.seeding)}, total ${seconds(options.total)}`;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
