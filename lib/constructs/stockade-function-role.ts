import { Lazy, Validations } from 'aws-cdk-lib';
import { type AddToPrincipalPolicyResult, type CfnManagedPolicy, ManagedPolicy, type PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { KEPT_GRANTS_METADATA, type KeptGrant } from '../config/tags';

export interface StockadeFunctionRoleProps {
  /** Shown in the IAM console, e.g. "Execution role of GetHealth (Stockade prod)". */
  readonly description: string;
}

/**
 * A Lambda execution role whose permissions all live in one customer-managed policy attached to this role only,
 * instead of the inline DefaultPolicy CDK would create. Managed policies are versioned and can be listed and
 * reviewed on their own (PCI DSS 7.1.2/7.2, cdk-nag PCI.DSS.321-IAMNoInlinePolicy); the least-privilege grants
 * themselves are unchanged, because every grant (bind helpers, tracing, event sources) goes through
 * `addToPrincipalPolicy`. The policy is a child of the role, so anything that depends on the role (the function)
 * also waits for its permissions.
 */
export class StockadeFunctionRole extends Role {
  readonly policy: ManagedPolicy;
  private readonly kept: KeptGrant[] = [];

  constructor(scope: Construct, id: string, props: StockadeFunctionRoleProps) {
    super(scope, id, { assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description: props.description });
    this.policy = new ManagedPolicy(this, 'Policy', { description: props.description, roles: [this] });
    // Said once here for every function: only the X-Ray statement may use Resource "*" (test/infra/functions.test.ts
    // asserts that), so this finding stays specific.
    Validations.of(this.policy).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'Lambda active tracing (Tracing.ACTIVE) grants xray:PutTraceSegments and xray:PutTelemetryRecords so the invocation segment can be sent; the Service Authorization Reference lists no resource type for either action (X-Ray has no resource-level permissions for them), so Resource "*" is the only form AWS accepts. Every other statement of this policy names its resources.',
    });
    (this.policy.node.defaultChild as CfnManagedPolicy).addMetadata(
      KEPT_GRANTS_METADATA,
      Lazy.any({ produce: () => (this.kept.length > 0 ? this.kept : undefined) }, { omitEmptyArray: true }),
    );
  }

  /**
   * Records why a grant of this role stays although the test suite may never use it (a failure or operator path the
   * local runtime cannot reach, say): `npm run iam:report` lists it as kept, with the reason, instead of unused.
   */
  keep(grant: KeptGrant): void {
    if (grant.reason.trim().length < 20) throw new Error(`${this.node.path}: say why the grant stays (${grant.actions.join(', ')})`);
    this.kept.push(grant);
  }

  /** Adds the statement to this role's managed policy (never to an inline policy). */
  override addToPrincipalPolicy(statement: PolicyStatement): AddToPrincipalPolicyResult {
    this.policy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.policy };
  }
}
