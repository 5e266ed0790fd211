import * as path from 'node:path';
import { synthesizeStage } from '../../local/runtime/synth';
import { logOffsets } from '../support/pii-scan';
import { PROJECT_ROOT, type RuntimeProcess, startRuntimeProcess } from './local-runtime-process';

/** Where the test runtime keeps its state; STOCKADE_TEST_STATE_DIR lets two test runs share a machine. */
export const TEST_STATE_DIR = path.resolve(PROJECT_ROOT, process.env.STOCKADE_TEST_STATE_DIR ?? path.join('.stockade', 'test'));

declare global {
  var __stockadeTestRuntime: Promise<RuntimeProcess> | undefined;
  /** The size of each log of the state directory before this run: the global teardown scans only what it appends. */
  var __stockadeTestLogOffsets: Map<string, number> | undefined;
}

/**
 * Synthesizes the dev stage once and starts one local runtime for the integration and e2e projects (both list this
 * setup; the second call reuses the first runtime). Tests find it through STOCKADE_ENDPOINTS.
 */
export default async function globalSetup(): Promise<void> {
  globalThis.__stockadeTestRuntime ??= (async () => {
    globalThis.__stockadeTestLogOffsets = logOffsets(TEST_STATE_DIR);
    const cdkOut = path.join(TEST_STATE_DIR, 'cdk.out');
    await synthesizeStage({ stage: 'dev', outdir: cdkOut });
    // The fuzz run sends more than the dev stage's 50 requests a second, and more than its web ACL's rate-based rules
    // allow one IP in 5 minutes; the throttle and the rate rules are proven by their own tests, on runtimes of their
    // own. The web ACL's other rules (the body size) apply here as in AWS.
    return startRuntimeProcess({ cdkOut, stateDirectory: TEST_STATE_DIR, extraArgs: ['--no-throttle', '--no-waf-rate-rules'] });
  })();
  const runtime = await globalThis.__stockadeTestRuntime;
  process.env.STOCKADE_ENDPOINTS = runtime.endpointsFile;
  process.env.STOCKADE_TEST_CDK_OUT = path.join(TEST_STATE_DIR, 'cdk.out');
}
