import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { BackupPlan, BackupPlanRule, BackupResource, BackupVault } from 'aws-cdk-lib/aws-backup';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { ENV } from '../../shared/config/env-names';
import type { StageContext } from './stage-props';
import type { StockadeFunction } from './stockade-function';
import { StockadeTable } from './stockade-table';

/**
 * What the audit table's resource policy denies to every principal, administrators and the account root included:
 * every way to change or remove an item other than a put. UpdateItem and DeleteItem (also inside TransactWriteItems,
 * which IAM checks as those actions); BatchWriteItem entirely, since no condition key tells a batch's deletes from its
 * puts (the Service Authorization Reference gives BatchWriteItem only dynamodb:Attributes, LeadingKeys,
 * ReturnConsumedCapacity and ReturnValues) and no Stockade adapter batches writes; PartiQL's UPDATE and DELETE; and
 * UpdateTimeToLive, which would let items expire. A PutItem over an existing entry is still possible for whoever
 * holds PutItem: the hash chain is what reveals it (docs/operations.md, "Audit trail").
 */
export const AUDIT_DENIED_ACTIONS = [
  'dynamodb:BatchWriteItem',
  'dynamodb:DeleteItem',
  'dynamodb:PartiQLDelete',
  'dynamodb:PartiQLUpdate',
  'dynamodb:UpdateItem',
  'dynamodb:UpdateTimeToLive',
] as const;

/** The sid of the deny statement, named in the break-glass procedure (docs/operations.md). */
export const AUDIT_APPEND_ONLY_SID = 'AuditTrailIsAppendOnly';

/** Partition keys of the chain heads (AUDITHEAD#<shard>), the only items an appending function reads. */
const HEAD_KEYS = ['AUDITHEAD#*'];

/**
 * The audit table: a StockadeTable (stage key, PITR, deletion protection outside dev) whose resource policy makes it
 * append-only for everyone, carrying the stage's shard count so writers, readers and the verifier agree on it.
 */
export class AuditTrailTable extends StockadeTable {
  readonly shards: number;

  constructor(scope: Construct, id: string, props: { stageContext: StageContext }) {
    super(scope, id, { stageContext: props.stageContext, indexes: [{ indexName: 'byActor', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' }] });
    this.shards = props.stageContext.config.audit.shards;
    // A table's resource policy cannot name the table's own ARN (a circular reference): `*` is the table it is on.
    this.addToResourcePolicy(
      new PolicyStatement({
        sid: AUDIT_APPEND_ONLY_SID,
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: [...AUDIT_DENIED_ACTIONS],
        resources: ['*'],
      }),
    );
  }
}

/**
 * Lets a function append audit events: PutItem on the table (entries and chain heads, in one transaction), GetItem on
 * the chain heads only (the head an append extends), and the shard count.
 */
export function bindAuditAppender(fn: StockadeFunction, table: AuditTrailTable): StockadeFunction {
  return bindShards(fn.bindTable(ENV.AUDIT_TABLE, table, 'append').bindTable(ENV.AUDIT_TABLE, table, 'read', { leadingKeys: HEAD_KEYS }), table);
}

/** Lists the trail (GET /admin/audit): Query on the table's own key, across the shards. */
export function bindAuditReader(fn: StockadeFunction, table: AuditTrailTable): StockadeFunction {
  return bindShards(fn.bindTable(ENV.AUDIT_TABLE, table, [], { queries: ['table'] }), table);
}

/** The scheduled verification: reads every chain, and appends anchors (PutItem; the resource policy still applies). */
export function bindAuditVerifier(fn: StockadeFunction, table: AuditTrailTable): StockadeFunction {
  return bindShards(fn.bindTable(ENV.AUDIT_TABLE, table, 'read', { queries: ['table'] }).bindTable(ENV.AUDIT_TABLE, table, 'append'), table);
}

function bindShards(fn: StockadeFunction, table: AuditTrailTable): StockadeFunction {
  fn.addEnvironment(ENV.AUDIT_SHARDS, String(table.shards));
  return fn;
}

/**
 * Staging and prod: a daily AWS Backup of the audit and orders tables into a vault whose compliance-mode lock (set
 * after the 72-hour cooling-off AWS Backup requires) stops anyone, the account root included, from deleting a copy
 * before `retentionDays` or shortening that; each copy is kept exactly that long.
 */
export function addImmutableBackups(
  scope: Construct,
  props: { stageContext: StageContext; tables: readonly StockadeTable[]; retentionDays: number },
): BackupPlan {
  const retention = Duration.days(props.retentionDays);
  const vault = new BackupVault(scope, 'ImmutableBackupVault', {
    encryptionKey: props.stageContext.key,
    removalPolicy: RemovalPolicy.RETAIN,
    lockConfiguration: { minRetention: retention, changeableFor: Duration.days(3) },
  });
  const plan = new BackupPlan(scope, 'ImmutableBackupPlan', {
    backupVault: vault,
    backupPlanRules: [
      new BackupPlanRule({
        ruleName: 'DailyImmutable',
        scheduleExpression: Schedule.cron({ hour: '3', minute: '0' }),
        deleteAfter: retention,
        startWindow: Duration.hours(1),
        completionWindow: Duration.hours(8),
      }),
    ],
  });
  const selection = plan.addSelection('AuditAndOrders', { resources: props.tables.map((t) => BackupResource.fromDynamoDbTable(t)) });
  Validations.of(selection.node.findChild('Role')).acknowledge({
    id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
    reason:
      'The backup selection role uses AWSBackupServiceRolePolicyForBackup, the managed policy AWS Backup documents and keeps in step with the services it backs up; only backup.amazonaws.com can assume the role.',
  });
  return plan;
}
