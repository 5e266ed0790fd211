import { type CfnResourceJson, resourcesOfType, STAGES, synthStage } from './synth-stage';

interface PolicyDocument {
  readonly Statement: ReadonlyArray<{ readonly Effect: string; readonly Action: string | string[]; readonly Resource: unknown }>;
}

const actionsOf = (statement: PolicyDocument['Statement'][number]) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]);

/** The function whose logical id starts with `prefix` in `resources`, and the statements of its role's policies. */
function functionAndGrants(resources: Record<string, CfnResourceJson>, prefix: string) {
  const [id, fn] = Object.entries(resources).find(([logicalId, r]) => logicalId.startsWith(prefix) && r.Type === 'AWS::Lambda::Function') ?? [];
  const statements = Object.entries(resources)
    .filter(([logicalId, r]) => logicalId.startsWith(`${prefix}Role`) && (r.Type === 'AWS::IAM::ManagedPolicy' || r.Type === 'AWS::IAM::Policy'))
    .flatMap(([, r]) => (r.Properties?.PolicyDocument as PolicyDocument).Statement);
  return { id, fn, statements };
}

/**
 * Export and erasure (docs/privacy.md) in every stage's templates: the erasure queue sized by the stage's attempts, the
 * run that consumes it with partial batch failures and the stage's retention, and its user pool grants, which are the
 * four admin calls the run makes, on the pool alone.
 */
describe.each(STAGES)('export and erasure (%s)', (stage) => {
  const synth = () => synthStage(stage);

  it("queues erasure requests with a DLQ after the stage's erasureMaxAttempts", () => {
    const queues = resourcesOfType(synth().templates.messaging, 'AWS::SQS::Queue');
    const erasure = Object.entries(queues).find(([id]) => id.startsWith('ErasureRequestsQueue'))?.[1];
    expect(erasure?.Properties).toMatchObject({
      KmsMasterKeyId: expect.anything() as unknown,
      RedrivePolicy: { maxReceiveCount: synth().config.privacy.erasureMaxAttempts },
    });
  });

  it("runs erasures from the queue with partial batch failures, the stage's retention and its retry bound", () => {
    const workflow = synth().templates.workflow;
    const { fn } = functionAndGrants(workflow.toJSON().Resources as Record<string, CfnResourceJson>, 'EraseCustomers');
    const { privacy } = synth().config;
    expect((fn?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      PRIVACY_RETENTION_DAYS: String(privacy.retentionDays),
      ERASURE_RETRY_MAX_SECONDS: String(privacy.erasureRetryMaxSeconds),
      COGNITO_USER_POOL_ID: expect.anything() as unknown,
    });
    const mapping = Object.values(resourcesOfType(workflow, 'AWS::Lambda::EventSourceMapping')).find((m) =>
      JSON.stringify(m.Properties?.EventSourceArn).includes('ErasureRequestsQueue'),
    );
    expect(mapping?.Properties).toMatchObject({ FunctionResponseTypes: ['ReportBatchItemFailures'], BatchSize: 1 });
    // Through the function's live alias, as every released function is invoked.
    expect(JSON.stringify(mapping?.Properties?.FunctionName)).toContain('EraseCustomersReleaseLive');
  });

  it('may sign out and delete users of the pool and nothing else of Cognito', () => {
    const { statements } = functionAndGrants(synth().templates.workflow.toJSON().Resources as Record<string, CfnResourceJson>, 'EraseCustomers');
    const cognito = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('cognito-idp:')));
    expect(cognito).toHaveLength(1);
    expect([...actionsOf(cognito[0] as PolicyDocument['Statement'][number])].sort()).toEqual([
      'cognito-idp:AdminDeleteUser',
      'cognito-idp:AdminGetUser',
      'cognito-idp:AdminListGroupsForUser',
      'cognito-idp:AdminUserGlobalSignOut',
    ]);
    expect(JSON.stringify(cognito[0]?.Resource)).toContain('UserPool');
  });

  it('keeps ten years of pseudonymised orders in prod, a year in staging and a month in dev', () => {
    expect(synth().config.privacy.retentionDays).toBe({ dev: 30, staging: 365, prod: 3_653 }[stage]);
  });
});
