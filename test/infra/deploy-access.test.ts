import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import cdkJson from '../../cdk.json';
import { resolveStageConfig } from '../../lib/config/stages';
import { DeployAccessStack } from '../../lib/stacks/deploy-access-stack';
import { type CfnResourceJson, formatFinding, resourcesOfType, STAGES, type Stage, synthStage } from './synth-stage';

/** Fails the test naming what was missing (jest has no expect.fail). */
function fail(what: string): never {
  throw new Error(what);
}

interface StatementJson {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly Principal?: Record<string, unknown>;
  readonly Resource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const GITHUB = 'token.actions.githubusercontent.com';

/** A template value with the pseudo parameters filled in, so an ARN reads as the string AWS would see. */
function render(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(render);
  if (typeof value !== 'object' || value === null) return value;
  const v = value as Record<string, unknown>;
  const pseudo: Record<string, string> = { 'AWS::AccountId': ACCOUNT, 'AWS::Region': REGION, 'AWS::Partition': 'aws' };
  if (typeof v.Ref === 'string' && pseudo[v.Ref]) return pseudo[v.Ref];
  const join = v['Fn::Join'] as [string, unknown[]] | undefined;
  if (join) return (render(join[1]) as unknown[]).map(String).join(join[0]);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, render(x)]));
}

const asList = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/** The roles of a DeployAccess template by the construct id CDK derived the logical id from (DeployRole, DiffRole). */
function roles(template: Template): Record<string, { logicalId: string; resource: CfnResourceJson }> {
  return Object.fromEntries(
    Object.entries(resourcesOfType(template, 'AWS::IAM::Role')).map(([logicalId, resource]) => [
      logicalId.replace(/[A-F0-9]{8}$/, ''),
      { logicalId, resource },
    ]),
  );
}

const trustOf = (role: CfnResourceJson) => (role.Properties?.AssumeRolePolicyDocument as { Statement: StatementJson[] }).Statement;

/** Every statement of the customer managed policies attached to a role, by the role's logical id. */
function grantsOf(template: Template, roleLogicalId: string): StatementJson[] {
  return Object.values(resourcesOfType(template, 'AWS::IAM::ManagedPolicy'))
    .filter((p) => asList(p.Properties?.Roles as unknown).some((r) => (r as { Ref?: string }).Ref === roleLogicalId))
    .flatMap((p) => (p.Properties?.PolicyDocument as { Statement: StatementJson[] }).Statement);
}

const bootstrapRole = (kind: string, qualifier = 'hnb659fds') => `arn:aws:iam::${ACCOUNT}:role/cdk-${qualifier}-${kind}-${ACCOUNT}-${REGION}`;

describe.each(STAGES)('deploy access (%s)', (stage) => {
  const synth = () => synthStage(stage);
  const template = () => synth().templates.deployAccess;
  const repository = () => synth().config.github.repository;

  test('is the stack Stockade-<stage>-DeployAccess, with GitHub as the only OIDC provider it creates', () => {
    expect(synth().stackNames.deployAccess).toBe(`Stockade-${stage}-DeployAccess`);
    const providers = Object.values(resourcesOfType(template(), 'AWS::IAM::OIDCProvider'));
    expect(providers.map((p) => p.Properties)).toEqual([expect.objectContaining({ Url: `https://${GITHUB}`, ClientIdList: ['sts.amazonaws.com'] })]);
  });

  test.each([
    ['DeployRole', (s: Stage) => s],
    ['DiffRole', (s: Stage) => `${s}-diff`],
  ])('%s trusts one repository in one GitHub environment: aud and sub pinned with StringEquals, no wildcard, no branch', (name, environment) => {
    const { resource } = roles(template())[name] ?? fail(`no ${name} in ${Object.keys(roles(template())).join(', ')}`);
    const providerId = Object.keys(resourcesOfType(template(), 'AWS::IAM::OIDCProvider'))[0];
    expect(trustOf(resource)).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRoleWithWebIdentity',
        Principal: { Federated: { Ref: providerId } },
        Condition: { StringEquals: { [`${GITHUB}:aud`]: 'sts.amazonaws.com', [`${GITHUB}:sub`]: `repo:${repository()}:environment:${environment(stage)}` } },
      },
    ]);
    const sub = String(trustOf(resource)[0]?.Condition?.StringEquals?.[`${GITHUB}:sub`]);
    expect(sub).not.toMatch(/[*?]/);
    expect(sub).not.toContain(':ref:');
    expect(repository()).toMatch(/^[^/*?]+\/[^/*?]+$/);
  });

  test('sessions last at most one hour', () => {
    expect(Object.values(roles(template())).map((r) => r.resource.Properties?.MaxSessionDuration)).toEqual([3600, 3600]);
  });

  test('the deploy role may only assume the CDK bootstrap roles of its own account and region', () => {
    const { logicalId, resource } = roles(template()).DeployRole ?? fail('no DeployRole');
    expect(render(grantsOf(template(), logicalId))).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: ['deploy-role', 'file-publishing-role', 'image-publishing-role', 'lookup-role'].map((kind) => bootstrapRole(kind)),
      },
    ]);
    expect(resource.Properties?.Policies).toBeUndefined();
    expect(resource.Properties?.ManagedPolicyArns).toBeUndefined();
  });

  test('the diff role may only assume the bootstrap lookup role (read-only)', () => {
    const { logicalId, resource } = roles(template()).DiffRole ?? fail('no DiffRole');
    expect(render(grantsOf(template(), logicalId))).toEqual([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: bootstrapRole('lookup-role') }]);
    expect(resource.Properties?.Policies).toBeUndefined();
    expect(resource.Properties?.ManagedPolicyArns).toBeUndefined();
  });

  test('holds exactly the provider, two roles and their two policies, in a template far below CloudFormation quotas', () => {
    const json = template().toJSON() as { Resources: Record<string, CfnResourceJson> };
    const types = Object.values(json.Resources)
      .map((r) => r.Type)
      .sort();
    expect(types).toEqual(['AWS::IAM::ManagedPolicy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::OIDCProvider', 'AWS::IAM::Role', 'AWS::IAM::Role']);
    // 51,200 bytes is what `aws cloudformation deploy` accepts inline, without an S3 bucket: the stack stays deployable by hand.
    expect(Buffer.byteLength(JSON.stringify(json))).toBeLessThan(51_200);
  });

  test('cdk-nag finds nothing in it (every pack, errors and warnings)', () => {
    expect(
      synth()
        .findings.filter((f) => f.constructPath.startsWith(`Stockade-${stage}-DeployAccess/`))
        .map(formatFinding),
    ).toEqual([]);
  });
});

describe('deploy access configuration', () => {
  /** One DeployAccessStack on its own app, with the stage's config changed as given. */
  const build = (stage: Stage, github: Partial<ReturnType<typeof resolveStageConfig>['github']>, context: Record<string, unknown> = {}) => {
    const config = resolveStageConfig({ stage, overrides: { github: { ...resolveStageConfig({ stage }).github, ...github } } });
    const app = new App({ context: { ...cdkJson.context, ...context } });
    return Template.fromStack(new DeployAccessStack(app, `Stockade-${stage}-DeployAccess`, { config }));
  };

  test("an account that already has GitHub's provider imports it by ARN: no second provider, the roles trust the existing one", () => {
    const importArn = `arn:aws:iam::${ACCOUNT}:oidc-provider/${GITHUB}`;
    const template = build('staging', { oidcProvider: { importArn } });
    expect(Object.keys(resourcesOfType(template, 'AWS::IAM::OIDCProvider'))).toEqual([]);
    for (const { resource } of Object.values(roles(template))) expect(trustOf(resource)[0]?.Principal).toEqual({ Federated: importArn });
  });

  test('the trust follows the configured repository', () => {
    const template = build('prod', { repository: 'acme/shop-backend' });
    expect(trustOf(roles(template).DeployRole?.resource ?? fail('no DeployRole'))[0]?.Condition?.StringEquals?.[`${GITHUB}:sub`]).toBe(
      'repo:acme/shop-backend:environment:prod',
    );
  });

  test('the bootstrap roles follow a custom bootstrap qualifier (cdk.json @aws-cdk/core:bootstrapQualifier)', () => {
    const template = build('dev', {}, { '@aws-cdk/core:bootstrapQualifier': 'stkd1' });
    const logicalId = roles(template).DiffRole?.logicalId ?? fail('no DiffRole');
    expect(render(grantsOf(template, logicalId))).toEqual([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: bootstrapRole('lookup-role', 'stkd1') }]);
  });
});
