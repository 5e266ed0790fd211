import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT, synthesizeStage } from '../../local/runtime/synth';
import { type RuntimeProcess, startRuntimeProcess, stopRuntimeProcess } from '../setup/local-runtime-process';
import { fuzzStockade } from './stockade-fuzz';

const HELP = `Usage: npm run fuzz -- [options]

Property-based HTTP fuzzing of every route of the local runtime (test/fuzz). Prints the seed, the figures and,
when an invariant breaks, each failure with the exact request; exits 1 then.

  --requests <n>       requests to send (default 10000)
  --seed <n>           replay a run (default: FUZZ_SEED, else random)
  --concurrency <n>    requests in flight (default 12)
  --endpoints <file>   fuzz a running runtime, e.g. .stockade/endpoints.json of \`npm start\`; its cdk.out is read for
                       the routes (--cdk-out, default ./cdk.out). Without it, the dev stage is synthesized and a
                       runtime of its own is started in .stockade/fuzz and stopped at the end.
  --cdk-out <dir>      the cloud assembly of the runtime given with --endpoints
  --stage <name>       stage of that runtime (default dev)
  -h, --help           this help`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: '10000' },
      seed: { type: 'string' },
      concurrency: { type: 'string' },
      endpoints: { type: 'string' },
      'cdk-out': { type: 'string' },
      stage: { type: 'string', default: 'dev' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const integer = (name: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, not ${JSON.stringify(text)}`);
    return n;
  };
  const requests = integer('requests', values.requests) as number;

  let runtime: RuntimeProcess | undefined;
  let endpointsFile = values.endpoints ? path.resolve(values.endpoints) : undefined;
  let cdkOut = values['cdk-out'] ? path.resolve(values['cdk-out']) : endpointsFile ? path.join(PROJECT_ROOT, 'cdk.out') : undefined;
  const stop = () => {
    if (runtime) void stopRuntimeProcess(runtime);
  };
  process.once('SIGINT', stop);
  try {
    if (!endpointsFile) {
      const stateDirectory = path.join(PROJECT_ROOT, '.stockade', 'fuzz');
      mkdirSync(stateDirectory, { recursive: true });
      cdkOut = path.join(stateDirectory, 'cdk.out');
      process.stderr.write(`fuzz: synthesizing the dev stage and starting a runtime in ${path.relative(PROJECT_ROOT, stateDirectory)} ...\n`);
      await synthesizeStage({ stage: 'dev', outdir: cdkOut });
      runtime = await startRuntimeProcess({ cdkOut, stateDirectory, extraArgs: ['--no-throttle', '--no-waf-rate-rules'] });
      endpointsFile = runtime.endpointsFile;
    }
    const result = await fuzzStockade({
      endpointsFile,
      ...(cdkOut ? { cdkOut } : {}),
      stage: values.stage,
      requests,
      ...(values.seed !== undefined ? { seed: integer('seed', values.seed) } : {}),
      ...(values.concurrency !== undefined ? { concurrency: integer('concurrency', values.concurrency) } : {}),
      progress: (line) => process.stderr.write(`${line}\n`),
    });
    console.log(result.summary);
    if (result.failures) console.log(`\n${result.failures}`);
    return result.ok ? 0 : 1;
  } finally {
    if (runtime) await stopRuntimeProcess(runtime);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (process.env.FUZZ_DEBUG ? error.stack : error.message) : error);
    process.exit(2);
  },
);
