import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { LocalRuntime } from '../runtime/local-runtime';
import { PROJECT_ROOT, synthesizeStage } from '../runtime/synth';

const HELP = `Usage: npm start -- [options]

Synthesizes a stage and plays it on this machine (127.0.0.1), from the synthesized template in cdk.out.

  --stage <dev|staging|prod>  stage to synthesize and run (default dev)
  --port <n>                  API port (default: a free port; see .stockade/endpoints.json)
  --no-synth                  reuse the existing cloud assembly instead of synthesizing
  --cdk-out <dir>             cloud assembly directory (default cdk.out)
  --state-dir <dir>           where endpoints.json and function logs go (default .stockade)
  --verbose                   print function logs here too (they are always in <state-dir>/logs)
  --no-demo-data              do not seed the demo catalog (demo users are always created)
  -h, --help                  this help`;

// Lambda runs Node 24; the SDK's warning about this machine's Node 20 says nothing about the deployed system.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      stage: { type: 'string', default: 'dev' },
      port: { type: 'string' },
      'no-synth': { type: 'boolean', default: false },
      'cdk-out': { type: 'string', default: path.join(PROJECT_ROOT, 'cdk.out') },
      'state-dir': { type: 'string', default: path.join(PROJECT_ROOT, '.stockade') },
      verbose: { type: 'boolean', default: false },
      'no-demo-data': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const stage = values.stage;
  const cdkOut = path.resolve(values['cdk-out']);
  const stateDirectory = path.resolve(values['state-dir']);
  const started = Date.now();

  if (!values['no-synth']) {
    process.stdout.write(`Synthesizing stage ${stage} (cdk-nag included) ... `);
    await synthesizeStage({ stage, outdir: cdkOut });
    console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  rmSync(path.join(stateDirectory, 'endpoints.json'), { force: true });
  const runtime = await LocalRuntime.start({
    cdkOut,
    stage,
    stateDirectory,
    apiPort: values.port ? Number(values.port) : undefined,
    echoLogs: values.verbose,
    seedDemoData: !values['no-demo-data'],
  });

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
      `Stockade ${stage} is running locally (pid ${process.pid}, ready in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
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

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
