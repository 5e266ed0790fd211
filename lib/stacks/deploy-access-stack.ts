import { Aws, CfnOutput, DefaultStackSynthesizer, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Effect, type IOidcProvider, ManagedPolicy, OidcProviderNative, PolicyStatement, Role, WebIdentityPrincipal } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stage-config';

/** GitHub Actions' OIDC issuer, and the audience configure-aws-credentials asks for. */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
export const GITHUB_OIDC_AUDIENCE = 'sts.amazonaws.com';

/** The CDK bootstrap roles a deployment uses (cdk bootstrap creates them as cdk-<qualifier>-<kind>-<account>-<region>). */
export const BOOTSTRAP_ROLE_KINDS = ['deploy-role', 'file-publishing-role', 'image-publishing-role', 'lookup-role'] as const;

export interface DeployAccessStackProps extends StackProps {
  readonly config: StageConfig;
}

/**
 * Who may deploy the stage from CI, with no stored AWS keys: GitHub's OIDC provider (created here or imported, see
 * `github.oidcProvider`) and two roles whose trust pins the token's audience and subject to one repository and one
 * GitHub environment, never a branch or a wildcard.
 *
 * - the deploy role (`environment:<stage>`) may only assume the CDK bootstrap roles of this account and region: CDK
 *   deploys through them, so this stack grants nothing that `cdk bootstrap --trust` did not already decide;
 * - the diff role (`environment:<stage>-diff`) may only assume the bootstrap lookup role (read-only, kms:Decrypt
 *   denied), so the pipeline can show a reviewer `cdk diff` before the stage's environment is approved.
 *
 * Deployed once by hand per account (docs/operations.md); the pipeline deploys every other stack and not this one,
 * so a workflow cannot widen its own trust.
 */
export class DeployAccessStack extends Stack {
  readonly provider: IOidcProvider;
  readonly deployRole: Role;
  readonly diffRole: Role;

  constructor(scope: Construct, id: string, props: DeployAccessStackProps) {
    super(scope, id, props);
    const { stage, github } = props.config;

    this.provider =
      github.oidcProvider === 'create'
        ? new OidcProviderNative(this, 'GitHubOidcProvider', { url: `https://${GITHUB_OIDC_HOST}`, clientIds: [GITHUB_OIDC_AUDIENCE] })
        : OidcProviderNative.fromOidcProviderArn(this, 'GitHubOidcProvider', github.oidcProvider.importArn);

    // The qualifier the stage's own stacks deploy with (cdk.json's @aws-cdk/core:bootstrapQualifier, else hnb659fds).
    const qualifier =
      (this.synthesizer instanceof DefaultStackSynthesizer ? this.synthesizer.bootstrapQualifier : undefined) ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
    const bootstrapRoleArn = (kind: (typeof BOOTSTRAP_ROLE_KINDS)[number]) =>
      `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/cdk-${qualifier}-${kind}-${Aws.ACCOUNT_ID}-${Aws.REGION}`;
    const trustFor = (environment: string) =>
      new WebIdentityPrincipal(this.provider.oidcProviderArn, {
        StringEquals: {
          [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
          [`${GITHUB_OIDC_HOST}:sub`]: `repo:${github.repository}:environment:${environment}`,
        },
      });
    // A customer managed policy per role, not an inline one (PCI DSS 7.1.2/7.2: grants reviewed on their own).
    const mayAssume = (role: Role, kinds: readonly (typeof BOOTSTRAP_ROLE_KINDS)[number][]) =>
      new ManagedPolicy(this, `${role.node.id}Policy`, {
        description: `${role.node.id}: sts:AssumeRole on the CDK bootstrap ${kinds.join(', ')} of this account and region, nothing else`,
        roles: [role],
        statements: [new PolicyStatement({ effect: Effect.ALLOW, actions: ['sts:AssumeRole'], resources: kinds.map(bootstrapRoleArn) })],
      });

    this.deployRole = new Role(this, 'DeployRole', {
      description: `GitHub Actions (${github.repository}, environment ${stage}) deploys Stockade ${stage} through the CDK bootstrap roles`,
      assumedBy: trustFor(stage),
      maxSessionDuration: Duration.hours(1),
    });
    mayAssume(this.deployRole, BOOTSTRAP_ROLE_KINDS);
    this.diffRole = new Role(this, 'DiffRole', {
      description: `GitHub Actions (${github.repository}, environment ${stage}-diff) reads deployed Stockade ${stage} templates for cdk diff`,
      assumedBy: trustFor(`${stage}-diff`),
      maxSessionDuration: Duration.hours(1),
    });
    mayAssume(this.diffRole, ['lookup-role']);

    new CfnOutput(this, 'DeployRoleArn', { value: this.deployRole.roleArn, description: `GitHub environment "${stage}": variable AWS_DEPLOY_ROLE_ARN` });
    new CfnOutput(this, 'DiffRoleArn', { value: this.diffRole.roleArn, description: `GitHub environment "${stage}-diff": variable AWS_DIFF_ROLE_ARN` });
  }
}
