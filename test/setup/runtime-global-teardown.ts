import { formatFinding, scanStateDirectory } from '../support/pii-scan';
import { stopRuntimeProcess } from './local-runtime-process';
import { TEST_STATE_DIR } from './runtime-global-setup';

/** Findings printed when the logs hold personal data (the rest are counted). */
const SHOWN = 40;

/**
 * Stops the shared test runtime once, after the last project that uses it, then scans what this run appended to its
 * logs, and the runtime's own output, for personal data (issue 15: no names, e-mails or addresses in any log). A
 * finding fails the run: jest exits 1 on a global teardown's error.
 */
export default async function globalTeardown(): Promise<void> {
  const pending = globalThis.__stockadeTestRuntime;
  if (!pending) return;
  globalThis.__stockadeTestRuntime = undefined;
  const runtime = await pending;
  await stopRuntimeProcess(runtime);
  const findings = scanStateDirectory(TEST_STATE_DIR, {
    since: globalThis.__stockadeTestLogOffsets,
    texts: [{ name: 'runtime output', text: runtime.output() }],
  });
  if (findings.length === 0) return;
  const shown = findings.slice(0, SHOWN).map(formatFinding);
  if (findings.length > SHOWN) shown.push(`… and ${findings.length - SHOWN} more (npm run logs:pii -- --state-dir ${TEST_STATE_DIR})`);
  throw new Error(`Personal data in the test runtime's logs (${findings.length} findings, masked):\n${shown.join('\n')}`);
}
