import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { IamDecision, PolicySnapshot } from '../aws/iam/iam';
import { formatIamReport, iamReport } from '../aws/iam/iam-report';
import { PROJECT_ROOT } from '../runtime/synth';

const USAGE = 'npm run iam:report -- [--state-dir <dir>] [--json] [--strict]';

/**
 * `npm run iam:report`: after a run (npm start, or the test suite with --state-dir .stockade/test), lists per
 * function the granted actions/resources no allowed call used, and the wildcard grants, from the run's
 * iam-policies.json and iam-decisions.jsonl (with the iam-decisions.<name>.jsonl of runtimes the suite started beside it).
 */
function main(): number {
  const { values } = parseArgs({
    options: {
      'state-dir': { type: 'string', default: path.join(PROJECT_ROOT, '.stockade') },
      json: { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(
      `Usage: ${USAGE}\n\nLists, per function, granted IAM actions/resources never used in a run's decisions (apart from those the stack keeps with a reason), and wildcard grants.\n--strict exits 1 when a grant is unused and unexplained, or a reason names a grant the role does not have.`,
    );
    return 0;
  }
  const policies = path.join(values['state-dir'], 'iam-policies.json');
  const decisionsFile = path.join(values['state-dir'], 'iam-decisions.jsonl');
  if (!existsSync(policies) || !existsSync(decisionsFile)) {
    console.error(`No IAM decisions in ${values['state-dir']}: run npm start (or the integration/e2e tests) first. Usage: ${USAGE}`);
    return 2;
  }
  const snapshot = JSON.parse(readFileSync(policies, 'utf8')) as PolicySnapshot;
  // The run's own log, and those of runtimes the suite started on the same template (iam-decisions.<name>.jsonl,
  // e.g. the switches test, whose flips would disturb the shared runtime).
  const decisions = readdirSync(values['state-dir'])
    .filter((f) => f.startsWith('iam-decisions.') && f.endsWith('.jsonl'))
    .flatMap((f) => readFileSync(path.join(values['state-dir'], f), 'utf8').split('\n'))
    .filter(Boolean)
    .map((l) => JSON.parse(l) as IamDecision);
  const reports = iamReport(snapshot, decisions);
  console.log(values.json ? JSON.stringify(reports, null, 2) : formatIamReport(reports));
  const unexplained = reports.reduce((n, r) => n + r.unused.length + r.staleKeeps.length, 0);
  if (values.strict && unexplained > 0) {
    console.error(`iam:report --strict: ${unexplained} unused grants without a reason or stale reasons: remove them, or keepGrant with a reason in the stack`);
    return 1;
  }
  return 0;
}

process.exitCode = main();
