import { resolveStageConfig } from '../../lib/config/stages';
import { API_STAGE_NAME, restApiName } from '../../lib/config/api-names';
import { type CfnResourceJson, invokedFunction, STAGES, type Stage, type SynthesizedStage, synthStage } from './synth-stage';

/**
 * Stacks whose functions are released behind an alias (issue 16, item 3): those the state machine, event source
 * mappings or rules invoke, and the API's (invoked by the Api stack's integrations and authorizer).
 */
const RELEASED_STACKS = ['workflow', 'inventory', 'apiFunctions'] as const;
/** Released stacks whose callers are in the stack itself (the API functions' callers are the Api stack's). */
const SELF_CALLING_STACKS = new Set<string>(['workflow', 'inventory']);
/** CloudFormation's own limit is 500; the stacks keep room below it. */
const MAX_RESOURCES_PER_STACK = 400;

const EXPECTED_SHIFT: Record<Stage, string> = {
  dev: 'CodeDeployDefault.LambdaAllAtOnce',
  staging: 'CodeDeployDefault.LambdaLinear10PercentEvery1Minute',
  prod: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
};

type Resources = Record<string, CfnResourceJson & { UpdatePolicy?: Record<string, unknown> }>;

function resourcesOf(synth: SynthesizedStage, stack: keyof SynthesizedStage['stacks']): Resources {
  return (synth.templateOf(stack)?.toJSON() as { Resources?: Resources } | undefined)?.Resources ?? {};
}

const refOf = (value: unknown): string | undefined =>
  value && typeof value === 'object' && 'Ref' in value ? String((value as { Ref: unknown }).Ref) : undefined;

/** Every `{ Ref: id }` and `{ Fn::GetAtt: [id, …] }` inside a value, as logical ids. */
function referencedIds(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referencedIds);
  if (!value || typeof value !== 'object') return [];
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return [v.Ref];
  const att = v['Fn::GetAtt'];
  if (Array.isArray(att) && typeof att[0] === 'string') return [att[0]];
  return Object.values(v).flatMap(referencedIds);
}

describe.each(STAGES)('releases of the %s stage', (stage) => {
  const synth = synthStage(stage);

  describe.each(RELEASED_STACKS)('the %s stack', (stackKey) => {
    const resources = resourcesOf(synth, stackKey);
    const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
    const functions = ofType('AWS::Lambda::Function').map(([id]) => id);
    const aliases = new Map(ofType('AWS::Lambda::Alias'));

    it('publishes every function as a version behind its live alias', () => {
      expect(functions.length).toBeGreaterThan(0);
      for (const fn of functions) {
        const alias = [...aliases].filter(([, a]) => refOf(a.Properties?.FunctionName) === fn);
        expect({ fn, aliases: alias.map(([, a]) => a.Properties?.Name) }).toEqual({ fn, aliases: ['live'] });
        const versionId = referencedIds(alias[0]?.[1].Properties?.FunctionVersion)[0] ?? '';
        expect({ fn, version: resources[versionId]?.Type, of: refOf(resources[versionId]?.Properties?.FunctionName) }).toEqual({
          fn,
          version: 'AWS::Lambda::Version',
          of: fn,
        });
      }
    });

    it("shifts each alias with the stage's CodeDeploy configuration and rolls back on the function's error and latency alarms", () => {
      const groups = new Map(ofType('AWS::CodeDeploy::DeploymentGroup'));
      expect(groups.size).toBe(functions.length);
      expect(ofType('AWS::CodeDeploy::Application')).toHaveLength(1);
      for (const [aliasId, alias] of aliases) {
        const update = (alias.UpdatePolicy?.CodeDeployLambdaAliasUpdate ?? {}) as { DeploymentGroupName?: unknown };
        const groupId = refOf(update.DeploymentGroupName) ?? '';
        const group = groups.get(groupId)?.Properties as
          | {
              DeploymentConfigName?: string;
              AlarmConfiguration?: { Enabled?: boolean; Alarms?: { Name: unknown }[] };
              AutoRollbackConfiguration?: { Enabled?: boolean; Events?: string[] };
            }
          | undefined;
        expect({ aliasId, config: group?.DeploymentConfigName }).toEqual({ aliasId, config: EXPECTED_SHIFT[stage] });
        expect(group?.AutoRollbackConfiguration).toEqual({
          Enabled: true,
          Events: expect.arrayContaining(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST']),
        });
        expect(group?.AlarmConfiguration?.Enabled).toBe(true);
        const fn = refOf(alias.Properties?.FunctionName) ?? '';
        const alarms = (group?.AlarmConfiguration?.Alarms ?? []).flatMap((a) => referencedIds(a.Name)).map((id) => resources[id]?.Properties ?? {});
        const watched = alarms.filter((a) => (a.Dimensions as { Value: unknown }[] | undefined)?.some((d) => refOf(d.Value) === fn));
        expect({ aliasId, metrics: watched.map((a) => a.MetricName ?? a.ExtendedStatistic).sort() }).toEqual({ aliasId, metrics: ['Duration', 'Errors'] });
        expect(watched.find((a) => a.MetricName === 'Duration')?.ExtendedStatistic).toBe('p99');
        // An API function's release also rolls back on the API's 5xx rate, named by the API's fixed name and stage.
        const onApi = alarms.filter((a) => JSON.stringify(a.Metrics ?? []).includes('"MetricName":"5XXError"'));
        const expectedApi = stackKey === 'apiFunctions' ? [{ ApiName: restApiName(synth.config), Stage: API_STAGE_NAME }] : [];
        expect({
          aliasId,
          api: onApi.map((a) =>
            Object.fromEntries(
              (
                (a.Metrics as { MetricStat?: { Metric: { MetricName: string; Dimensions: { Name: string; Value: unknown }[] } } }[]).find(
                  (m) => m.MetricStat?.Metric.MetricName === '5XXError',
                )?.MetricStat?.Metric.Dimensions ?? []
              ).map((d) => [d.Name, d.Value]),
            ),
          ),
        }).toEqual({ aliasId, api: expectedApi });
      }
    });

    it('lets the deployment role update only these aliases and read only their alarms', () => {
      const statements = ofType('AWS::IAM::ManagedPolicy')
        .filter(([, p]) => JSON.stringify(p.Properties?.Roles ?? []).includes('ReleasesDeploymentRole'))
        .flatMap(([, p]) => (p.Properties?.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement);
      expect(statements.length).toBeGreaterThan(0);
      for (const s of statements) {
        const actions = [s.Action].flat();
        if (actions.includes('lambda:UpdateAlias')) expect(referencedIds(s.Resource).every((id) => aliases.has(id))).toBe(true);
        else expect(actions).toEqual(['cloudwatch:DescribeAlarms']);
        expect(JSON.stringify(s.Resource)).not.toContain('"*"');
      }
      const role = ofType('AWS::IAM::Role').find(([id]) => id.includes('ReleasesDeploymentRole'))?.[1];
      expect(role?.Properties?.ManagedPolicyArns).toBeUndefined();
    });

    // The API functions' callers are the Api stack's methods, authorizer and permissions (tested below).
    if (SELF_CALLING_STACKS.has(stackKey))
      it('has event source mappings, rules and their permissions invoke the alias, never the unqualified function', () => {
        const callers = [
          ...ofType('AWS::Lambda::EventSourceMapping').map(([id, r]) => [id, r.Properties?.FunctionName] as const),
          ...ofType('AWS::Events::Rule').flatMap(([id, r]) => ((r.Properties?.Targets ?? []) as { Arn: unknown }[]).map((t) => [id, t.Arn] as const)),
          ...ofType('AWS::Lambda::Permission').map(([id, r]) => [id, r.Properties?.FunctionName] as const),
        ];
        expect(callers.length).toBeGreaterThan(0);
        for (const [id, target] of callers) {
          expect({ id, invokes: referencedIds(target).map((t) => resources[t]?.Type) }).toEqual({ id, invokes: ['AWS::Lambda::Alias'] });
        }
      });
  });

  it("has the saga's Lambda tasks invoke the step functions' aliases, and its role may invoke only those", () => {
    const resources = resourcesOf(synth, 'workflow');
    const machine = Object.values(resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine');
    const definition = JSON.stringify(machine?.Properties?.DefinitionString);
    const invoked = [...new Set(referencedIds(machine?.Properties?.DefinitionString).filter((id) => resources[id]?.Type?.startsWith('AWS::Lambda::')))];
    expect(invoked.length).toBe(8);
    expect(invoked.map((id) => resources[id]?.Type)).toEqual(invoked.map(() => 'AWS::Lambda::Alias'));
    expect(definition).not.toMatch(/"Fn::GetAtt":\["[A-Za-z0-9]+","Arn"\]/);
    const role = refOf(machine?.Properties?.RoleArn) ?? referencedIds(machine?.Properties?.RoleArn)[0];
    const invokeResources = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties?.Roles).includes(String(role)))
      .flatMap((r) => (r.Properties?.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement)
      .filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'))
      .flatMap((s) => [s.Resource].flat());
    expect(invokeResources.length).toBe(8);
    expect(invokeResources.map((r) => referencedIds(r).map((id) => resources[id]?.Type))).toEqual(invokeResources.map(() => ['AWS::Lambda::Alias']));
  });

  it("has every API method, the authorizer and every Lambda permission of the Api stack name an API function's live alias", () => {
    const api = resourcesOf(synth, 'api');
    const released = new Set(Object.keys(resourcesOf(synth, 'apiFunctions')));
    const callers = Object.entries(api).flatMap(([id, r]) => {
      const p = r.Properties ?? {};
      if (r.Type === 'AWS::ApiGateway::Method' && (p.Integration as { Type?: string } | undefined)?.Type === 'AWS_PROXY')
        return [[id, (p.Integration as { Uri: unknown }).Uri] as const];
      if (r.Type === 'AWS::ApiGateway::Authorizer') return [[id, p.AuthorizerUri] as const];
      if (r.Type === 'AWS::Lambda::Permission') return [[id, p.FunctionName] as const];
      return [];
    });
    // Every route (29 and counting) twice over (a permission each for the stage and for test invocations) and the authorizer.
    expect(callers.length).toBeGreaterThan(80);
    for (const [id, target] of callers) {
      const invoked = invokedFunction(synth, 'api', target);
      expect({
        id,
        stack: invoked?.fn.stack,
        alias: invoked?.alias?.resource.Properties?.Name,
        released: released.has(invoked?.alias?.logicalId ?? ''),
      }).toEqual({
        id,
        stack: 'apiFunctions',
        alias: 'live',
        released: true,
      });
    }
    expect(Object.values(api).filter((r) => r.Type === 'AWS::Lambda::Function')).toEqual([]);
  });

  it(`keeps every stack at or below ${MAX_RESOURCES_PER_STACK} resources`, () => {
    const counts = Object.fromEntries(
      Object.keys(synth.stackNames).map((key) => [key, Object.keys(resourcesOf(synth, key as keyof SynthesizedStage['stacks'])).length]),
    );
    for (const [stack, count] of Object.entries(counts))
      expect({ stack, count, within: count <= MAX_RESOURCES_PER_STACK }).toEqual({ stack, count, within: true });
  });
});

it('refuses a prod release that reaches every user at once', () => {
  expect(() => resolveStageConfig({ stage: 'prod', overrides: { release: { trafficShift: 'AllAtOnce' } } })).toThrow(
    /release\.trafficShift: prod releases shift traffic gradually/,
  );
  expect(resolveStageConfig({ stage: 'dev' }).release.trafficShift).toBe('AllAtOnce');
});
