import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import packageJson from '../../../package.json';

/** renovate.json (issue 16, item 5): weekly grouped updates, lockfile maintenance, pinned action digests, security fixes at any time. */

interface PackageRule {
  readonly groupName?: string;
  readonly description?: string;
  readonly matchPackageNames?: readonly string[];
  readonly matchManagers?: readonly string[];
  readonly allowedVersions?: string;
}
interface RenovateConfig {
  readonly extends: readonly string[];
  readonly schedule: readonly string[];
  readonly lockFileMaintenance: { readonly enabled: boolean; readonly schedule: readonly string[] };
  readonly vulnerabilityAlerts: { readonly enabled: boolean; readonly schedule: readonly string[]; readonly minimumReleaseAge: null };
  readonly packageRules: readonly PackageRule[];
  readonly [key: string]: unknown;
}

const config = () => JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'renovate.json'), 'utf8')) as RenovateConfig;

/** The top-level options this file uses, each a documented Renovate option; a misspelt one would be ignored silently. */
const KNOWN_OPTIONS = [
  '$schema',
  'description',
  'extends',
  'timezone',
  'schedule',
  'rangeStrategy',
  'minimumReleaseAge',
  'prConcurrentLimit',
  'labels',
  'lockFileMaintenance',
  'osvVulnerabilityAlerts',
  'vulnerabilityAlerts',
  'packageRules',
];

/**
 * Renovate's matchPackageNames for the two forms this file uses: an exact name, or a prefix followed by `**` (any
 * characters). A test below keeps the file to those forms, so this matcher stays complete for it.
 */
const matches = (pattern: string, name: string) => (pattern.endsWith('**') ? name.startsWith(pattern.slice(0, -2)) : pattern === name);

/** The group each dependency of package.json falls in (the last matching rule with a groupName wins, as in Renovate). */
function groupOf(name: string): string | undefined {
  return config()
    .packageRules.filter((r) => r.groupName && (r.matchPackageNames ?? []).some((p) => matches(p, name)))
    .map((r) => r.groupName)
    .pop();
}

describe('renovate.json', () => {
  test('uses only known top-level options', () => {
    expect(Object.keys(config()).filter((key) => !KNOWN_OPTIONS.includes(key))).toEqual([]);
  });

  test('updates weekly, with lockfile maintenance on the same schedule', () => {
    expect(config().schedule).toEqual(['before 6am on monday']);
    expect(config().lockFileMaintenance).toEqual({ enabled: true, schedule: config().schedule });
  });

  test('opens security updates at any time, without the release-age wait', () => {
    expect(config().vulnerabilityAlerts).toMatchObject({ enabled: true, schedule: ['at any time'], minimumReleaseAge: null });
    expect(config().osvVulnerabilityAlerts).toBe(true);
  });

  test('pins GitHub Actions to commit digests', () => {
    expect(config().extends).toContain('helpers:pinGitHubActionDigests');
  });

  test.each([
    ['AWS SDK', ['@aws-sdk/client-dynamodb', '@aws-sdk/client-sfn', '@aws-sdk/util-dynamodb']],
    ['CDK', ['aws-cdk-lib', 'aws-cdk', 'constructs']],
    ['Powertools', ['@aws-lambda-powertools/logger', '@aws-lambda-powertools/idempotency']],
    ['middy', ['@middy/core', '@middy/http-cors']],
    ['test tooling', ['jest', '@types/jest', 'eslint', '@eslint/js', 'typescript-eslint', 'eslint-plugin-security', 'prettier', '@types/node']],
  ])('groups %s', (group, names) => {
    expect(Object.fromEntries(names.map((n) => [n, groupOf(n)]))).toEqual(Object.fromEntries(names.map((n) => [n, group])));
  });

  test('every dependency of those families in package.json is in its group', () => {
    const families: Array<[RegExp, string]> = [
      [/^@aws-sdk\//, 'AWS SDK'],
      [/^(aws-cdk|aws-cdk-lib|constructs)$/, 'CDK'],
      [/^@aws-lambda-powertools\//, 'Powertools'],
      [/^@middy\//, 'middy'],
      [/^(jest|@types\/jest|eslint|prettier|typescript-eslint)$/, 'test tooling'],
    ];
    const names = Object.keys({ ...packageJson.dependencies, ...packageJson.devDependencies });
    const misplaced = names.flatMap((name) =>
      families.filter(([re, group]) => re.test(name) && groupOf(name) !== group).map(([, group]) => `${name} not in ${group}`),
    );
    expect(names.length).toBeGreaterThan(20);
    expect(misplaced).toEqual([]);
  });

  test('package patterns are exact names or a prefix with a trailing ** (what the matcher above reads)', () => {
    const patterns = config().packageRules.flatMap((r) => r.matchPackageNames ?? []);
    expect(patterns.filter((p) => p.slice(0, p.endsWith('**') ? -2 : undefined).includes('*'))).toEqual([]);
  });

  test('the group matcher of this test tells groups apart', () => {
    expect(groupOf('@aws-sdk/client-sqs')).toBe('AWS SDK');
    expect(groupOf('stripe')).toBeUndefined();
    expect(matches('@middy/**', '@middyx/core')).toBe(false);
  });
});
