import { CfnLoggingConfiguration, CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { StageContext } from './stage-props';
import { StockadeLogGroup } from './stockade-log-group';

export interface ApiFirewallProps {
  readonly stageContext: StageContext;
  /** ARN of the API Gateway stage to protect. */
  readonly stageArn: string;
}

/** AWS managed rule groups Stockade always runs, in priority order. */
export const MANAGED_RULE_GROUPS = [
  'AWSManagedRulesAmazonIpReputationList',
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
  'AWSManagedRulesSQLiRuleSet',
] as const;

/**
 * The WAF web ACL in front of the REST API stage: AWS managed rule groups, a body-size rule, a per-IP rate limit for
 * all traffic and a tighter one for /checkout and /webhooks/*, with logs (credentials redacted) to an encrypted group.
 */
export class ApiFirewall extends Construct {
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: ApiFirewallProps) {
    super(scope, id);
    const { config } = props.stageContext;
    const metric = (name: string) => ({ cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: `stockade-${config.stage}-${name}` });

    const managed: CfnWebACL.RuleProperty[] = MANAGED_RULE_GROUPS.map((name, priority) => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: 'AWS',
          name,
          // Stripe events can exceed the rule group's 8 KiB body limit; the BodySizeLimit rule below applies ours.
          ...(name === 'AWSManagedRulesCommonRuleSet' ? { ruleActionOverrides: [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }] } : {}),
        },
      },
      visibilityConfig: metric(name),
    }));

    const uriMatch = (positionalConstraint: 'ENDS_WITH' | 'CONTAINS', value: string): CfnWebACL.StatementProperty => ({
      byteMatchStatement: {
        fieldToMatch: { uriPath: {} },
        positionalConstraint,
        searchString: value,
        textTransformations: [{ priority: 0, type: 'LOWERCASE' }],
      },
    });

    const rules: CfnWebACL.RuleProperty[] = [
      ...managed,
      {
        name: 'BodySizeLimit',
        priority: 10,
        action: { block: {} },
        statement: {
          sizeConstraintStatement: {
            fieldToMatch: { body: { oversizeHandling: 'MATCH' } },
            comparisonOperator: 'GT',
            size: config.api.maxBodyBytes,
            textTransformations: [{ priority: 0, type: 'NONE' }],
          },
        },
        visibilityConfig: metric('body-size'),
      },
      {
        name: 'RateLimitSensitive',
        priority: 20,
        action: { block: {} },
        statement: {
          rateBasedStatement: {
            limit: config.waf.sensitiveRateLimitPer5Min,
            aggregateKeyType: 'IP',
            scopeDownStatement: { orStatement: { statements: [uriMatch('ENDS_WITH', '/checkout'), uriMatch('CONTAINS', '/webhooks/')] } },
          },
        },
        visibilityConfig: metric('rate-sensitive'),
      },
      {
        name: 'RateLimitAll',
        priority: 30,
        action: { block: {} },
        statement: { rateBasedStatement: { limit: config.waf.rateLimitPer5Min, aggregateKeyType: 'IP' } },
        visibilityConfig: metric('rate-all'),
      },
    ];

    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      description: `Stockade ${config.stage} API`,
      rules,
      visibilityConfig: metric('web-acl'),
    });
    new CfnWebACLAssociation(this, 'Association', { resourceArn: props.stageArn, webAclArn: this.webAcl.attrArn });

    // WAF requires the log group name to start with aws-waf-logs-.
    const logGroup = new StockadeLogGroup(this, 'Logs', { stageContext: props.stageContext, logGroupName: `aws-waf-logs-stockade-${config.stage}` });
    new CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      logDestinationConfigs: [logGroup.logGroupArn],
      redactedFields: [
        { singleHeader: { Name: 'authorization' } },
        { singleHeader: { Name: 'cookie' } },
        { singleHeader: { Name: 'stripe-signature' } },
        { singleHeader: { Name: 'x-stockade-signature' } },
      ],
    });
  }
}
