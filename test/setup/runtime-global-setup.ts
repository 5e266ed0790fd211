import * as path from 'node:path';
import { synthesizeStage } from '../../local/runtime/synth';
import { PROJECT_ROOT, type RuntimeProcess, startRuntimeProcess } from './local-runtime-process';

/** Where the test runtime keeps its state; STOCKADE_TEST_STATE_DIR lets two test runs share a machine. */
export const TEST_STATE_DIR = process.env.STOCKADE_TEST_STATE_DIR ?? path.join(PROJECT_ROOT, '.stockade', 'test');

declare global {
  var __stockadeTestRuntime: Promise<RuntimeProcess> | undefined;
}

/**
 * Synthesizes the dev stage once and starts one local runtime for the integration and e2e projects (both list this
 * setup; the second call reuses the first runtime). Tests find it through STOCKADE_ENDPOINTS.
 */
export default async function globalSetup(): Promise<void> {
  globalThis.__stockadeTestRuntime ??= (async () => {
    const cdkOut = path.join(TEST_STATE_DIR, 'cdk.out');
    await synthesizeStage({ stage: 'dev', outdir: cdkOut });
    // The fuzz run sends more than the dev stage's 50 requests a second; the throttle is proven by its own tests.
    return startRuntimeProcess({ cdkOut, stateDirectory: TEST_STATE_DIR, extraArgs: ['--no-throttle'] });
  })();
  const runtime = await globalThis.__stockadeTestRuntime;
  process.env.STOCKADE_ENDPOINTS = runtime.endpointsFile;
  process.env.STOCKADE_TEST_CDK_OUT = path.join(TEST_STATE_DIR, 'cdk.out');
}
