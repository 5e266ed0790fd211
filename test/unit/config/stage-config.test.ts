import { STAGES } from '../../../lib/config/stage-config';
import { resolveStageConfig, STAGE_DEFAULTS } from '../../../lib/config/stages';

describe.each(STAGES)('resolveStageConfig(%s)', (stage) => {
  test('resolves to the reviewed configuration', () => {
    expect(resolveStageConfig({ stage })).toMatchSnapshot();
  });

  test("may import the account's existing GitHub OIDC provider instead of creating one", () => {
    const importArn = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
    const github = { repository: 'owner/repo', oidcProvider: { importArn } };
    expect(resolveStageConfig({ stage, overrides: { github } }).github.oidcProvider).toEqual({ importArn });
  });

  test('takes account and region from the CDK environment', () => {
    expect(resolveStageConfig({ stage, account: '123456789012', region: 'eu-west-1' }).env).toEqual({ account: '123456789012', region: 'eu-west-1' });
  });
});

describe('resolveStageConfig rejects invalid input, naming what is wrong', () => {
  test('an unknown stage', () => {
    expect(() => resolveStageConfig({ stage: 'qa' })).toThrow('Unknown stage "qa": use one of dev, staging, prod');
  });

  test('staging that would destroy stateful resources', () => {
    expect(() => resolveStageConfig({ stage: 'staging', overrides: { removalPolicy: 'destroy' } })).toThrow(
      /Invalid configuration for stage "staging":\n\s+removalPolicy: staging and prod must retain stateful resources/,
    );
  });

  test('staging or prod without a retention for its vault-locked backups', () => {
    expect(() => resolveStageConfig({ stage: 'prod', overrides: { audit: { shards: 16, verifyEveryMinutes: 60 } } })).toThrow(
      /audit\.backupRetentionDays: staging and prod keep vault-locked backups/,
    );
    expect(resolveStageConfig({ stage: 'dev' }).audit.backupRetentionDays).toBeUndefined();
  });

  test('an audit trail of no shard', () => {
    expect(() => resolveStageConfig({ stage: 'dev', overrides: { audit: { shards: 0, verifyEveryMinutes: 15 } } })).toThrow(/audit\.shards/);
  });

  test.each([0, 65, 2.5])('an orders status index of %p shards', (statusShards) => {
    expect(() => resolveStageConfig({ stage: 'prod', overrides: { orders: { statusShards } } })).toThrow(/orders\.statusShards/);
  });

  test('an admin CIDR that is not a CIDR', () => {
    expect(() => resolveStageConfig({ stage: 'prod', overrides: { admin: { allowedCidrs: ['10.0.0.0/8', '10.0.0.0/33'] } } })).toThrow(
      /admin\.allowedCidrs\.1: must be an IPv4 or IPv6 CIDR/,
    );
  });

  test('an http origin in prod', () => {
    const api = { ...STAGE_DEFAULTS.prod.api, corsAllowOrigins: ['http://shop.example.com'] };
    expect(() => resolveStageConfig({ stage: 'prod', overrides: { api } })).toThrow(/api\.corsAllowOrigins: staging and prod accept only https origins/);
  });

  test('a sensitive-route rate limit above the global one', () => {
    expect(() => resolveStageConfig({ stage: 'dev', overrides: { waf: { rateLimitPer5Min: 1_000, sensitiveRateLimitPer5Min: 1_001 } } })).toThrow(
      /waf\.sensitiveRateLimitPer5Min: the sensitive-route rate limit must not exceed the global one/,
    );
  });

  test('an inventory secret grace period that outlasts the rotation interval', () => {
    expect(() => resolveStageConfig({ stage: 'dev', overrides: { secrets: { inventoryRotationDays: 1, inventoryGraceHours: 24 } } })).toThrow(
      /secrets\.inventoryGraceHours: the grace period must end before the next rotation/,
    );
  });

  test('an unknown reconciliation remedy', () => {
    const payments = { secretCacheSeconds: 60, reconciliation: { everyMinutes: 60, windowHours: 72, stuckAfterMinutes: 30, remedies: ['refund-everything'] } };
    expect(() => resolveStageConfig({ stage: 'dev', overrides: { payments } as never })).toThrow(/payments\.reconciliation\.remedies\.0/);
  });

  test.each(['owner/*', '*/stockade', 'owner/repo:ref:refs/heads/main', 'owner', 'owner/repo/extra', ''])(
    'a GitHub repository that is not one owner/repo (%j)',
    (repository) => {
      expect(() => resolveStageConfig({ stage: 'prod', overrides: { github: { repository, oidcProvider: 'create' } } })).toThrow(
        /github\.repository: must be owner\/repo, with no wildcard/,
      );
    },
  );

  test("an imported OIDC provider ARN that is not GitHub's provider", () => {
    const github = { repository: 'owner/repo', oidcProvider: { importArn: 'arn:aws:iam::123456789012:oidc-provider/accounts.google.com' } };
    expect(() => resolveStageConfig({ stage: 'staging', overrides: { github } })).toThrow(/github\.oidcProvider/);
  });

  test('an unknown field (the schema is strict)', () => {
    const overrides = { api: { ...STAGE_DEFAULTS.dev.api, cacheTtlSeconds: 60 } } as unknown as Parameters<typeof resolveStageConfig>[0]['overrides'];
    expect(() => resolveStageConfig({ stage: 'dev', overrides })).toThrow(/api: .*cacheTtlSeconds/);
  });
});
