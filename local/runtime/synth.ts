import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** Context keys of lib/constructs/stockade-function.ts (not imported: local/ names lib only through the template). */
const BUNDLE_CACHE_CONTEXT = 'stockade:bundleCache';
const BUNDLING_REPORT_CONTEXT = 'stockade:bundlingReport';

/** Everything a synthesis reads besides node_modules (which package-lock files stand for). */
const SYNTHESIS_INPUTS = ['bin', 'lib', 'functions', 'shared', 'config', 'docs/openapi.json', 'cdk.json', 'package.json', 'package-lock.json', 'tsconfig.json'];
const INSTALLED_PACKAGES = 'node_modules/.package-lock.json';
/** Written into the cloud assembly after a synthesis succeeds: the hash of what it was synthesized from. */
const INPUTS_FILE = 'stockade-synthesis-inputs.json';

export interface SynthOptions {
  readonly stage: string;
  readonly outdir: string;
  /** Extra context values, e.g. to skip bundling. */
  readonly context?: Record<string, unknown>;
  /** Synthesize even when the assembly in `outdir` was synthesized from the same inputs. @default false */
  readonly force?: boolean;
  /** Where function bundles are cached ('off': NodejsFunction bundles every function). @default node_modules/.cache/stockade-bundles */
  readonly bundleCache?: string;
}

export interface SynthResult {
  /** True when the assembly in `outdir` was reused: nothing it was synthesized from has changed. */
  readonly skipped: boolean;
  /** Wall time of the synthesis, bundling included, in milliseconds. */
  readonly ms: number;
  /** Of that, time spent bundling (or checking cached bundles), and how many bundles were built or reused. */
  readonly bundling: { readonly ms: number; readonly built: number; readonly reused: number };
}

/**
 * Synthesizes one stage of bin/stockade.ts into `outdir`, exactly as `cdk synth` would (cdk.json's context and
 * feature flags, cdk-nag included), with asset metadata on so the local runtime can find each function's bundle,
 * and without CDK's own CloudFormation validation, which the infra tests run (see below).
 * The environment is left agnostic so the local template does not depend on whoever's AWS profile is active.
 *
 * Skipped when `outdir` holds an assembly synthesized from the same inputs (every file under bin/, lib/,
 * functions/, shared/, config/, the project's JSON settings, the installed packages and the context): a restart
 * with unchanged sources reuses it. Function bundles come from the bundle cache, so a synthesis after a change
 * rebuilds only the bundles whose inputs changed.
 */
export async function synthesizeStage(options: SynthOptions): Promise<SynthResult> {
  const started = performance.now();
  const cdkJson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  const reportFile = path.join(options.outdir, 'stockade-bundling.json');
  const context = {
    ...cdkJson.context,
    stage: options.stage,
    // The local runtime plays any stage with the shipped placeholders (no alarm destinations, example.com URLs).
    allowPlaceholders: true,
    'aws:cdk:enable-asset-metadata': true,
    ...(options.bundleCache ? { [BUNDLE_CACHE_CONTEXT]: options.bundleCache } : {}),
    ...options.context,
  };
  const inputs = synthesisInputsHash(context);
  const inputsFile = path.join(options.outdir, INPUTS_FILE);
  if (!options.force && existsSync(path.join(options.outdir, 'manifest.json')) && readInputsHash(inputsFile) === inputs) {
    return { skipped: true, ms: performance.now() - started, bundling: { ms: 0, built: 0, reused: 0 } };
  }
  rmSync(inputsFile, { force: true });
  rmSync(reportFile, { force: true });

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CDK_OUTDIR: options.outdir,
    CDK_CONTEXT_JSON: JSON.stringify({ ...context, [BUNDLING_REPORT_CONTEXT]: reportFile }),
  };
  // CDK's own CloudFormation validation (@aws/cloudformation-validate, about 3.4 s of a 7.7 s synthesis on 2 cores,
  // most of it compiling its WebAssembly engine) changes nothing in the template the runtime plays; the infra tests
  // (test/infra/synth-stage.ts) and `cdk synth` / `cdk deploy` run it for every stage, cdk-nag still runs here.
  env.CDK_VALIDATION = 'false';
  delete env.CDK_DEFAULT_ACCOUNT;
  delete env.CDK_DEFAULT_REGION;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'bin', 'stockade.ts')], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`Synthesis of stage ${options.stage} failed (exit ${code}):\n${output}`);
  writeFileSync(inputsFile, `${JSON.stringify({ inputs })}\n`);
  const bundling = readBundlingReport(reportFile);
  return { skipped: false, ms: performance.now() - started, bundling };
}

/**
 * A hash of everything a synthesis of the app reads: the files under SYNTHESIS_INPUTS (paths and contents), the
 * installed packages' lock, and the context. Equal hashes, equal assemblies (bar CDK's own version, which the
 * installed packages' lock pins).
 */
export function synthesisInputsHash(context: Record<string, unknown>, root: string = PROJECT_ROOT): string {
  const hash = createHash('sha256').update(JSON.stringify(context));
  const visit = (relative: string): void => {
    const file = path.join(root, relative);
    if (!existsSync(file)) return;
    if (statSync(file).isDirectory()) {
      for (const name of readdirSync(file).sort()) visit(path.join(relative, name));
      return;
    }
    hash.update(`\0${relative}\0`).update(readFileSync(file));
  };
  for (const input of [...SYNTHESIS_INPUTS, INSTALLED_PACKAGES]) visit(input);
  return hash.digest('hex');
}

function readInputsHash(file: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { inputs?: string }).inputs;
  } catch {
    return undefined;
  }
}

function readBundlingReport(file: string): SynthResult['bundling'] {
  try {
    const report = JSON.parse(readFileSync(file, 'utf8')) as { ms: number; built: number; reused: number };
    return { ms: report.ms, built: report.built, reused: report.reused };
  } catch {
    // No report: no function was bundled through the cache (bundling skipped, or the cache turned off).
    return { ms: 0, built: 0, reused: 0 };
  }
}
