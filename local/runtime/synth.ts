import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

export interface SynthOptions {
  readonly stage: string;
  readonly outdir: string;
  /** Extra context values, e.g. to skip bundling. */
  readonly context?: Record<string, unknown>;
}

/**
 * Synthesizes one stage of bin/stockade.ts into `outdir`, exactly as `cdk synth` would (cdk.json's context and
 * feature flags, cdk-nag included), with asset metadata on so the local runtime can find each function's bundle.
 * The environment is left agnostic so the local template does not depend on whoever's AWS profile is active.
 */
export async function synthesizeStage(options: SynthOptions): Promise<void> {
  const cdkJson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  const context = { ...cdkJson.context, stage: options.stage, 'aws:cdk:enable-asset-metadata': true, ...options.context };
  const env: NodeJS.ProcessEnv = { ...process.env, CDK_OUTDIR: options.outdir, CDK_CONTEXT_JSON: JSON.stringify(context) };
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
}
