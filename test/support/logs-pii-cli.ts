import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../../local/runtime/synth';
import { formatFinding, logFiles, scanStateDirectory } from './pii-scan';

const HELP = `Usage: npm run logs:pii -- [options]

Looks for personal data in the logs of a local runtime's state directory: every function's log (logs/*.log) and
the IAM decision logs (iam-decisions*.jsonl). It finds any e-mail address, address and contact fields with a value,
international phone numbers, and the recipients, streets and postcode-with-city of the addresses the demo and the
test suite send (test/support/pii-scan.ts). Prints each finding as \`file:line: <kind> <excerpt>\`, the personal
data masked; exits 1 when there is any, 0 when the logs are clean.

  --state-dir <dir>    the runtime's state directory (default .stockade, where npm start keeps it; the test
                       runtime's is .stockade/test or STOCKADE_TEST_STATE_DIR)
  -h, --help           this help`;

function main(): number {
  let values: { 'state-dir': string; help: boolean };
  try {
    ({ values } = parseArgs({
      options: { 'state-dir': { type: 'string', default: path.join(PROJECT_ROOT, '.stockade') }, help: { type: 'boolean', short: 'h', default: false } },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const stateDirectory = path.resolve(values['state-dir']);
  if (!existsSync(stateDirectory)) {
    console.error(`No state directory at ${stateDirectory}`);
    return 2;
  }
  const files = logFiles(stateDirectory);
  const findings = scanStateDirectory(stateDirectory);
  for (const finding of findings) console.log(formatFinding(finding));
  const kinds = new Map<string, number>();
  for (const f of findings) kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
  const summary = [...kinds].map(([kind, n]) => `${n} ${kind}`).join(', ');
  console.error(
    `${files.length} logs scanned in ${stateDirectory}: ${findings.length === 0 ? 'no personal data found' : `${findings.length} findings (${summary})`}`,
  );
  return findings.length === 0 ? 0 : 1;
}

process.exitCode = main();
