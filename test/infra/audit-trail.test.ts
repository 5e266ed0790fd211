import { AUDIT_APPEND_ONLY_SID, AUDIT_DENIED_ACTIONS } from '../../lib/constructs/audit-trail';
import { type CfnResourceJson, resolveReference, resourcesOfType, STAGES, synthStage, type SynthesizedStage } from './synth-stage';

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

/** The audit table statements of the role of the ApiFunctions function whose logical id starts with `prefix`. */
function auditGrants(synth: SynthesizedStage, prefix: string): Array<{ actions: string[]; condition?: unknown }> {
  const resources = synth.templates.apiFunctions.toJSON().Resources as Record<string, CfnResourceJson>;
  const fn = Object.entries(resources).find(([id, r]) => id.startsWith(prefix) && r.Type === 'AWS::Lambda::Function');
  if (!fn) throw new Error(`No function ${prefix}`);
  const onAuditTable = (resource: unknown) =>
    [resource].flat().some((r) => {
      const ref = resolveReference(synth, 'apiFunctions', r);
      return ref?.stack === 'data' && ref.logicalId.startsWith('AuditTable') && ref.attribute === 'Arn';
    });
  return Object.entries(resources)
    .filter(([id, r]) => id.startsWith(`${prefix}Role`) && (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy'))
    .flatMap(([, r]) => (r.Properties?.PolicyDocument as { Statement: Statement[] }).Statement)
    .filter((statement) => onAuditTable(statement.Resource))
    .map((statement) => ({ actions: [statement.Action].flat().sort(), ...(statement.Condition ? { condition: statement.Condition } : {}) }));
}

describe.each(STAGES)('the audit trail (%s)', (stage) => {
  const synth = () => synthStage(stage);
  const auditTable = () => {
    const [entry] = Object.entries(resourcesOfType(synth().templates.data, 'AWS::DynamoDB::Table')).filter(([id]) => id.startsWith('AuditTable'));
    if (!entry) throw new Error('No audit table');
    return entry;
  };

  test('the audit table denies every change but a put to every principal, by its resource policy', () => {
    const [, table] = auditTable();
    const statements = (table.Properties?.ResourcePolicy as { PolicyDocument: { Statement: Array<Record<string, unknown>> } }).PolicyDocument.Statement;
    expect(statements).toEqual([{ Sid: AUDIT_APPEND_ONLY_SID, Effect: 'Deny', Principal: { AWS: '*' }, Action: [...AUDIT_DENIED_ACTIONS], Resource: '*' }]);
    expect(AUDIT_DENIED_ACTIONS).toEqual(expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']));
    expect(AUDIT_DENIED_ACTIONS).not.toContain('dynamodb:PutItem');
  });

  test('the other tables have no resource policy', () => {
    const others = Object.entries(resourcesOfType(synth().templates.data, 'AWS::DynamoDB::Table')).filter(([id]) => !id.startsWith('AuditTable'));
    expect(others.length).toBeGreaterThanOrEqual(4);
    for (const [id, table] of others) expect({ id, policy: table.Properties?.ResourcePolicy }).toEqual({ id, policy: undefined });
  });

  test('the functions of the newly audited actions append exactly as every appender does (issue 15, item 4)', () => {
    const synth = synthStage(stage);
    const appender = auditGrants(synth, 'AdjustStock');
    expect(appender.flatMap((g) => g.actions).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
    // Product changes, cancellations, admin reads of orders, and the authorizer's denials (its marks are PutItems too).
    for (const prefix of ['CreateProduct', 'CreateProducts', 'UpdateProduct', 'ArchiveProduct', 'CancelOrder', 'AdminListOrders', 'AuthorizeRequest'])
      expect({ prefix, grants: auditGrants(synth, prefix) }).toEqual({ prefix, grants: appender });
  });

  test('the verification runs on the stage schedule and every function bound to the table knows the shard count', () => {
    const { config, templates } = synth();
    const functions = [templates.apiFunctions, templates.auth, templates.workflow].flatMap((t) => Object.entries(resourcesOfType(t, 'AWS::Lambda::Function')));
    const bound = functions.filter(([, fn]) => (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.AUDIT_TABLE);
    expect(bound.length).toBeGreaterThanOrEqual(7);
    for (const [id, fn] of bound) {
      const variables = (fn.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
      expect({ id, shards: variables.AUDIT_SHARDS }).toEqual({ id, shards: String(config.audit.shards) });
    }
    expect(bound.map(([id]) => id).some((id) => id.startsWith('VerifyAuditTrail'))).toBe(true);
    const rules = Object.values(resourcesOfType(templates.workflow, 'AWS::Events::Rule')).map((r) => r.Properties?.ScheduleExpression);
    const every = config.audit.verifyEveryMinutes;
    expect(rules).toContain(`rate(${every % 60 === 0 ? `${every / 60} hour${every === 60 ? '' : 's'}` : `${every} minutes`})`);
  });

  if (stage === 'dev') {
    test('dev keeps no vault-locked backups', () => {
      const data = synth().templates.data;
      expect(Object.keys(resourcesOfType(data, 'AWS::Backup::BackupVault'))).toEqual([]);
      expect(Object.keys(resourcesOfType(data, 'AWS::Backup::BackupPlan'))).toEqual([]);
    });
  } else {
    test('a daily backup of the audit and orders tables goes to a compliance-locked vault for the stage retention', () => {
      const { config, templates } = synth();
      const days = config.audit.backupRetentionDays;
      expect(days).toBeGreaterThanOrEqual(stage === 'prod' ? 3_650 : 7);
      const vaults = Object.values(resourcesOfType(templates.data, 'AWS::Backup::BackupVault'));
      expect(vaults).toHaveLength(1);
      expect(vaults[0]?.Properties?.LockConfiguration).toEqual({ MinRetentionDays: days, ChangeableForDays: 3 });
      expect(vaults[0]?.DeletionPolicy).toBe('Retain');
      const plans = Object.values(resourcesOfType(templates.data, 'AWS::Backup::BackupPlan'));
      expect(plans).toHaveLength(1);
      const rules = (plans[0]?.Properties?.BackupPlan as { BackupPlanRule: Array<{ Lifecycle?: { DeleteAfterDays?: number }; ScheduleExpression?: string }> })
        .BackupPlanRule;
      expect(rules.map((r) => r.Lifecycle?.DeleteAfterDays)).toEqual([days]);
      const selections = Object.values(resourcesOfType(templates.data, 'AWS::Backup::BackupSelection'));
      expect(selections).toHaveLength(1);
      const resources = JSON.stringify((selections[0]?.Properties?.BackupSelection as { Resources?: unknown }).Resources);
      expect(resources).toMatch(/AuditTable/);
      expect(resources).toMatch(/OrdersTable/);
      expect(resources).not.toMatch(/CatalogTable|PaymentsTable|IdempotencyTable/);
    });
  }
});
