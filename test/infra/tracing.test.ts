import { type CfnResourceJson, STAGES, synthStage, templatesByStackName } from './synth-stage';

/**
 * One trace from API Gateway through Lambda, Step Functions and SQS back to Lambda, without the X-Ray SDK in any
 * bundle (docs/operations.md, "Tracing"): the API stage traces, every function has active tracing (Lambda records the
 * invocation) and may write segments, the state machine traces and may write segments. The AWS SDK forwards the trace
 * header on each call, so SQS messages and executions carry it; that needs nothing in the templates.
 */

/** Each stack's template by stack name: every stack of the stage, not only those synth-stage's STACK_KEYS names. */
type Templates = Readonly<Record<string, { toJSON(): unknown }>>;

interface StatementJson {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly Resource?: unknown;
}

const XRAY_WRITES = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];

function resources(templates: Templates, type: string): { stack: string; logicalId: string; resource: CfnResourceJson }[] {
  return Object.entries(templates).flatMap(([stack, template]) => {
    const json = template.toJSON() as { Resources?: Record<string, CfnResourceJson> };
    return Object.entries(json.Resources ?? {})
      .filter(([, r]) => r.Type === type)
      .map(([logicalId, resource]) => ({ stack, logicalId, resource }));
  });
}

/** The logical id of the role a `Role`/`RoleArn` property points to (a Ref or Fn::GetAtt in the same stack). */
function roleLogicalId(value: unknown): string | undefined {
  const v = value as { Ref?: unknown; 'Fn::GetAtt'?: unknown[] } | undefined;
  if (typeof v?.Ref === 'string') return v.Ref;
  const getAtt = v?.['Fn::GetAtt'];
  return Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
}

/** True when a policy (inline or managed) attached to the role allows the X-Ray writes on "*". */
function roleWritesTraces(templates: Templates, stack: string, roleId: string | undefined): boolean {
  if (!roleId) return false;
  const policies = [...resources(templates, 'AWS::IAM::Policy'), ...resources(templates, 'AWS::IAM::ManagedPolicy')].filter(
    (p) => p.stack === stack && ((p.resource.Properties?.Roles as unknown[] | undefined) ?? []).some((r) => roleLogicalId(r) === roleId),
  );
  const allowed = policies.flatMap((p) =>
    ((p.resource.Properties?.PolicyDocument as { Statement?: StatementJson[] } | undefined)?.Statement ?? [])
      .filter((s) => s.Effect === 'Allow' && [s.Resource].flat().includes('*'))
      .flatMap((s) => [s.Action ?? []].flat()),
  );
  return XRAY_WRITES.every((action) => allowed.includes(action));
}

/** Every break in the trace chain the stage's templates would deploy, one line each. */
export function tracingProblems(templates: Templates): string[] {
  const functions = resources(templates, 'AWS::Lambda::Function').flatMap(({ stack, logicalId, resource }) => {
    const p = resource.Properties ?? {};
    const problems: string[] = [];
    if ((p.TracingConfig as { Mode?: string } | undefined)?.Mode !== 'Active') problems.push(`function ${logicalId} does not trace actively`);
    if (!roleWritesTraces(templates, stack, roleLogicalId(p.Role))) problems.push(`function ${logicalId}'s role may not write X-Ray segments`);
    return problems;
  });
  const stages = resources(templates, 'AWS::ApiGateway::Stage').flatMap(({ logicalId, resource }) =>
    resource.Properties?.TracingEnabled === true ? [] : [`API stage ${logicalId} does not trace`],
  );
  const machines = resources(templates, 'AWS::StepFunctions::StateMachine').flatMap(({ stack, logicalId, resource }) => {
    const p = resource.Properties ?? {};
    const problems: string[] = [];
    if ((p.TracingConfiguration as { Enabled?: boolean } | undefined)?.Enabled !== true) problems.push(`state machine ${logicalId} does not trace`);
    if (!roleWritesTraces(templates, stack, roleLogicalId(p.RoleArn))) problems.push(`state machine ${logicalId}'s role may not write X-Ray segments`);
    return problems;
  });
  return [...functions, ...stages, ...machines];
}

describe('the tracing checker (so the checks below can fail)', () => {
  const template = (resources: Record<string, CfnResourceJson>) => ({ toJSON: () => ({ Resources: resources }) });
  const only = (api: ReturnType<typeof template>): Templates => ({ Data: template({}), Api: api });

  it('names an untraced function, API stage and state machine, and roles without the X-Ray grant', () => {
    const templates = only(
      template({
        Fn: { Type: 'AWS::Lambda::Function', Properties: { Role: { 'Fn::GetAtt': ['FnRole', 'Arn'] } } },
        FnRole: { Type: 'AWS::IAM::Role' },
        Traced: { Type: 'AWS::Lambda::Function', Properties: { Role: { 'Fn::GetAtt': ['TracedRole', 'Arn'] }, TracingConfig: { Mode: 'Active' } } },
        TracedRole: { Type: 'AWS::IAM::Role' },
        TracedPolicy: {
          Type: 'AWS::IAM::ManagedPolicy',
          Properties: { Roles: [{ Ref: 'TracedRole' }], PolicyDocument: { Statement: [{ Effect: 'Allow', Action: XRAY_WRITES, Resource: '*' }] } },
        },
        Stage: { Type: 'AWS::ApiGateway::Stage', Properties: {} },
        Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: { TracingConfiguration: { Enabled: false } } },
      }),
    );
    expect(tracingProblems(templates)).toEqual([
      'function Fn does not trace actively',
      "function Fn's role may not write X-Ray segments",
      'API stage Stage does not trace',
      'state machine Machine does not trace',
      "state machine Machine's role may not write X-Ray segments",
    ]);
  });
});

describe.each(STAGES)('tracing (%s)', (stage) => {
  let all: Templates | undefined;
  const templates = (): Templates => (all ??= Object.fromEntries(templatesByStackName(synthStage(stage))));

  it('finds what it checks: functions, the API stage and the state machine', () => {
    expect(resources(templates(), 'AWS::Lambda::Function').length).toBeGreaterThanOrEqual(40);
    expect(resources(templates(), 'AWS::ApiGateway::Stage')).toHaveLength(1);
    expect(resources(templates(), 'AWS::StepFunctions::StateMachine')).toHaveLength(1);
  });

  it('traces every function actively, the API stage and the state machine, each allowed to write its segments', () => {
    expect(tracingProblems(templates())).toEqual([]);
  });
});
