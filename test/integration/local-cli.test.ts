import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../setup/local-runtime-process';

/** The local CLIs answer a newcomer's mistakes with one clear line, and cannot break a running runtime. */
describe('the local CLIs', () => {
  const endpointsFile = process.env.STOCKADE_ENDPOINTS as string;
  const stateDirectory = path.dirname(endpointsFile);
  const run = (script: string, args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'local', 'cli', script), ...args], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });

  it('a second npm start on a running runtime\u2019s state directory refuses, names its pid, and leaves it running', () => {
    const before = readFileSync(endpointsFile, 'utf8');
    const holder = readFileSync(path.join(stateDirectory, 'runtime.pid'), 'utf8').trim();
    const second = run('start.ts', ['--no-synth', '--state-dir', stateDirectory, '--cdk-out', process.env.STOCKADE_TEST_CDK_OUT as string]);
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(`A local runtime (pid ${holder}) is already running on ${stateDirectory}`);
    expect(existsSync(endpointsFile)).toBe(true);
    expect(readFileSync(endpointsFile, 'utf8')).toBe(before);
  });

  it('an unknown stage is one line naming --stage and the stages, no stack trace', () => {
    const result = run('start.ts', ['--stage', 'qa', '--state-dir', path.join(stateDirectory, 'unused')]);
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe('Unknown stage "qa" for --stage: choose one of dev, staging, prod');
  });

  it.each(['login.ts', 'inventory-push.ts', 'start.ts'])('%s --help prints its usage', (script) => {
    const result = run(script, ['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: /);
  });

  it('inventory:push says that it sets an absolute stock level, in its help and in what it prints', () => {
    expect(run('inventory-push.ts', ['--help']).stdout).toContain('The quantity is an absolute stock level');
    // A SKU the stage's mapping does not know: quarantined, so no test's stock moves.
    const pushed = run('inventory-push.ts', [
      '--provider',
      'acme-warehouse',
      '--sku',
      'ACME-CLI-UNMAPPED',
      '--quantity',
      '3',
      '--unit',
      'case',
      '--state-dir',
      stateDirectory,
    ]);
    expect(pushed.stdout).toMatch(
      /^acme-warehouse reports ACME-CLI-UNMAPPED at 3 cases on hand: an absolute stock level, not a change\n202 \{"accepted":0,"quarantined":1\}/,
    );
    expect(pushed.status).toBe(0);
  });

  it('login names every demo user when asked for an unknown one', () => {
    const result = run('login.ts', ['--user', 'nobody', '--state-dir', stateDirectory]);
    expect(result.status).toBe(1);
    const named = /No demo user "nobody" \(choose ([^)]*)\)/.exec(result.stderr)?.[1]?.split(', ');
    expect(named?.sort()).toEqual(['admin', 'customer', 'vendor', 'vendor2']);
  });
});
