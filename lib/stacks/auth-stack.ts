import { Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnUserPoolGroup,
  FeaturePlan,
  LambdaVersion,
  Mfa,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
  UserPoolOperation,
  VerificationEmailStyle,
} from 'aws-cdk-lib/aws-cognito';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type AuditTrailTable, bindAuditAppender } from '../constructs/audit-trail';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { GROUPS, type Group } from '../../shared/domain/access/route-policies';
import type { StageConfig } from '../config/stage-config';
import { removalPolicyOf, type StageContext } from '../constructs/stage-props';
import { StockadeFunction } from '../constructs/stockade-function';

export interface AuthStackProps extends StackProps {
  readonly config: StageConfig;
  readonly key: IKey;
  /** Privileged sign-ins and refusals are appended here. */
  readonly auditTable: AuditTrailTable;
}

/** Group precedence: the lowest number wins when Cognito must pick one role. */
const GROUP_PRECEDENCE: Record<Group, number> = { admin: 10, vendor: 20, customer: 30 };

/**
 * Stateful: the user pool (email sign-in, verified self sign-up, strong passwords, optional TOTP MFA that admins
 * and vendors cannot skip, threat protection per stage), its groups, its triggers and the storefront client.
 */
export class AuthStack extends Stack {
  readonly userPool: UserPool;
  /** The public client storefronts use: no secret, SRP and password sign-in, short tokens, rotating refresh tokens. */
  readonly storefrontClient: UserPoolClient;

  constructor(scope: Construct, id: string, props: AuthStackProps) {
    super(scope, id, props);
    const { config } = props;
    const stageContext: StageContext = { config, key: props.key };
    const threat = config.auth.threatProtection;

    this.userPool = new UserPool(this, 'UserPool', {
      userPoolName: `stockade-${config.stage}`,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      selfSignUpEnabled: true,
      autoVerify: { email: true },
      keepOriginal: { email: true },
      userVerification: {
        emailStyle: VerificationEmailStyle.CODE,
        emailSubject: 'Your Stockade verification code',
        emailBody: 'Your verification code is {####}. It expires in 24 hours.',
      },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
        passwordHistorySize: 5,
      },
      // Optional per user so that customers may choose; admins and vendors are held to it by the token trigger.
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: threat === 'off' ? FeaturePlan.ESSENTIALS : FeaturePlan.PLUS,
      ...(threat === 'off'
        ? {}
        : { standardThreatProtectionMode: threat === 'audit' ? StandardThreatProtectionMode.AUDIT_ONLY : StandardThreatProtectionMode.FULL_FUNCTION }),
      deletionProtection: config.removalPolicy === 'retain',
      removalPolicy: removalPolicyOf(config),
    });

    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions::AwsSolutions-COG2',
      reason:
        'MFA is optional per user so that shoppers may choose it (and are then always challenged); admins and vendors cannot obtain tokens without an enrolled TOTP factor (pre token generation trigger) and the API authorizer refuses privileged calls without the MFA evidence claim.',
    });
    if (threat === 'off') {
      Validations.of(this.userPool).acknowledge({
        id: 'AwsSolutions::AwsSolutions-COG8',
        reason: `Stage ${config.stage} turns Cognito threat protection off in lib/config/stages.ts (no real customers, no Plus-tier cost); staging runs it in audit mode and prod enforces it, which the config schema requires.`,
      });
    }

    for (const group of GROUPS) {
      new CfnUserPoolGroup(this, `Group${group[0]?.toUpperCase()}${group.slice(1)}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: group,
        precedence: GROUP_PRECEDENCE[group],
        description: `Stockade ${group}s`,
      });
    }

    const preTokenGeneration = bindAuditAppender(
      new StockadeFunction(this, 'PreTokenGeneration', {
        stageContext,
        entry: 'identity/pre-token-generation',
        service: 'identity',
        timeout: Duration.seconds(5),
      }),
      props.auditTable,
    );
    const postConfirmation = new StockadeFunction(this, 'PostConfirmation', {
      stageContext,
      entry: 'identity/post-confirmation',
      service: 'identity',
      timeout: Duration.seconds(5),
    });
    this.userPool.addTrigger(UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, preTokenGeneration, LambdaVersion.V2_0);
    this.userPool.addTrigger(UserPoolOperation.POST_CONFIRMATION, postConfirmation);
    // The pool names its triggers and the triggers need the pool's ARN: their directory access is a policy of its
    // own, which the functions do not wait for, so that CloudFormation sees no cycle. One policy each: the token
    // trigger only reads a user's MFA settings, the confirmation trigger only adds the user to the customer group.
    new ManagedPolicy(this, 'TriggerDirectoryAccess', {
      description: 'Stockade token trigger: read the MFA settings of the user signing in',
      statements: [new PolicyStatement({ actions: ['cognito-idp:AdminGetUser'], resources: [this.userPool.userPoolArn] })],
      roles: [preTokenGeneration.functionRole],
    });
    new ManagedPolicy(this, 'ConfirmationDirectoryAccess', {
      description: 'Stockade confirmation trigger: add a confirmed sign-up to the customer group',
      statements: [new PolicyStatement({ actions: ['cognito-idp:AdminAddUserToGroup'], resources: [this.userPool.userPoolArn] })],
      roles: [postConfirmation.functionRole],
    });
    for (const trigger of [preTokenGeneration, postConfirmation]) {
      Validations.of(trigger).acknowledge({
        id: 'Serverless::Serverless-LambdaDLQ',
        reason:
          'Cognito invokes its triggers synchronously during sign-up and sign-in; a failure fails that request, so there is no asynchronous event to dead-letter.',
      });
    }

    this.storefrontClient = this.userPool.addClient('StorefrontClient', {
      userPoolClientName: `stockade-${config.stage}-storefront`,
      generateSecret: false,
      authFlows: { userSrp: true, userPassword: true },
      accessTokenValidity: Duration.minutes(config.auth.accessTokenMinutes),
      idTokenValidity: Duration.minutes(config.auth.accessTokenMinutes),
      refreshTokenValidity: Duration.days(config.auth.refreshTokenDays),
      refreshTokenRotationGracePeriod: Duration.seconds(10),
      enableTokenRevocation: true,
      preventUserExistenceErrors: true,
    });
  }
}
