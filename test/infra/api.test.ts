import { ResponseType } from 'aws-cdk-lib/aws-apigateway';
import { API_STAGE_NAME } from '../../lib/stacks/api-stack';
import { type CfnResourceJson, isStageKeyArn, resolveReference, resourcesOfType, STAGES, synthStage } from './synth-stage';

interface WafRule {
  readonly Name: string;
  readonly Action?: Record<string, unknown>;
  readonly OverrideAction?: Record<string, unknown>;
  readonly Statement: {
    readonly ManagedRuleGroupStatement?: { readonly VendorName: string; readonly Name: string };
    readonly RateBasedStatement?: {
      readonly Limit: number;
      readonly AggregateKeyType: string;
      readonly EvaluationWindowSec?: number;
      readonly ScopeDownStatement?: unknown;
    };
  };
}

interface MethodSetting {
  readonly HttpMethod?: string;
  readonly ResourcePath?: string;
  readonly LoggingLevel?: string;
  readonly DataTraceEnabled?: boolean;
  readonly MetricsEnabled?: boolean;
  readonly CachingEnabled?: boolean;
  readonly ThrottlingRateLimit?: number;
  readonly ThrottlingBurstLimit?: number;
}

/** The single resource of a type in a template. */
function only(resources: Record<string, CfnResourceJson>): [string, CfnResourceJson] {
  const entries = Object.entries(resources);
  expect(entries).toHaveLength(1);
  return entries[0] as [string, CfnResourceJson];
}

/** The Refs inside an Fn::Join, e.g. the log group inside a CloudWatch Logs ARN. */
function refsInJoin(value: unknown): string[] {
  const parts = (value as { 'Fn::Join'?: [string, unknown[]] } | undefined)?.['Fn::Join']?.[1] ?? [];
  return parts.flatMap((p) => (typeof p === 'object' && p !== null && typeof (p as { Ref?: unknown }).Ref === 'string' ? [(p as { Ref: string }).Ref] : []));
}

describe.each(STAGES)('API edge (%s)', (stage) => {
  const synth = () => synthStage(stage);
  const api = () => synth().templates.api;
  const webAcl = () => only(resourcesOfType(api(), 'AWS::WAFv2::WebACL'));
  const rules = () => (webAcl()[1].Properties?.Rules ?? []) as WafRule[];
  const restApiId = () => only(resourcesOfType(api(), 'AWS::ApiGateway::RestApi'))[0];
  const apiStage = () => only(resourcesOfType(api(), 'AWS::ApiGateway::Stage'));

  test('the web ACL runs the four AWS managed rule groups, none of them in count-only mode', () => {
    const managed = rules().filter((r) => r.Statement.ManagedRuleGroupStatement);
    expect(managed.map((r) => `${r.Statement.ManagedRuleGroupStatement?.VendorName}/${r.Statement.ManagedRuleGroupStatement?.Name}`).sort()).toEqual([
      'AWS/AWSManagedRulesAmazonIpReputationList',
      'AWS/AWSManagedRulesCommonRuleSet',
      'AWS/AWSManagedRulesKnownBadInputsRuleSet',
      'AWS/AWSManagedRulesSQLiRuleSet',
    ]);
    for (const rule of managed) expect({ rule: rule.Name, override: rule.OverrideAction }).toEqual({ rule: rule.Name, override: { None: {} } });
    expect(webAcl()[1].Properties?.Scope).toBe('REGIONAL');
  });

  test('a per-IP rate rule blocks all traffic above the stage limit', () => {
    const global = rules().filter((r) => r.Statement.RateBasedStatement && !r.Statement.RateBasedStatement.ScopeDownStatement);
    expect(global).toHaveLength(1);
    expect(global[0]?.Action).toEqual({ Block: {} });
    expect(global[0]?.Statement.RateBasedStatement).toMatchObject({ Limit: synth().config.waf.rateLimitPer5Min, AggregateKeyType: 'IP' });
    expect(global[0]?.Statement.RateBasedStatement?.EvaluationWindowSec ?? 300).toBe(300);
  });

  test('a tighter per-IP rate rule is scoped down to /checkout and /webhooks/', () => {
    const scoped = rules().filter((r) => r.Statement.RateBasedStatement?.ScopeDownStatement);
    expect(scoped).toHaveLength(1);
    const rate = scoped[0]?.Statement.RateBasedStatement;
    expect(scoped[0]?.Action).toEqual({ Block: {} });
    expect(rate).toMatchObject({ Limit: synth().config.waf.sensitiveRateLimitPer5Min, AggregateKeyType: 'IP' });
    expect(rate?.EvaluationWindowSec ?? 300).toBe(300);
    const scopeDown = JSON.stringify(rate?.ScopeDownStatement);
    expect(scopeDown).toContain('"SearchString":"/checkout"');
    expect(scopeDown).toContain('"SearchString":"/webhooks/"');
    expect(rate?.Limit).toBeLessThan(synth().config.waf.rateLimitPer5Min);
  });

  test('the web ACL is associated with the API stage', () => {
    const [, association] = only(resourcesOfType(api(), 'AWS::WAFv2::WebACLAssociation'));
    expect(resolveReference(synth(), 'api', association.Properties?.WebACLArn)).toMatchObject({ logicalId: webAcl()[0], attribute: 'Arn' });
    expect(association.Properties?.ResourceArn).toEqual({
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':apigateway:', { Ref: 'AWS::Region' }, '::/restapis/', { Ref: restApiId() }, '/stages/', { Ref: apiStage()[0] }],
      ],
    });
  });

  test('WAF logs go to an encrypted aws-waf-logs-* group with credentials redacted', () => {
    const [, logging] = only(resourcesOfType(api(), 'AWS::WAFv2::LoggingConfiguration'));
    expect(resolveReference(synth(), 'api', logging.Properties?.ResourceArn)).toMatchObject({ logicalId: webAcl()[0], attribute: 'Arn' });
    expect(logging.Properties?.RedactedFields).toEqual(
      expect.arrayContaining([{ SingleHeader: { Name: 'authorization' } }, { SingleHeader: { Name: 'cookie' } }]),
    );
    const destinations = logging.Properties?.LogDestinationConfigs as unknown[];
    expect(destinations).toHaveLength(1);
    const group = resolveReference(synth(), 'api', destinations[0]);
    expect(group?.resource.Type).toBe('AWS::Logs::LogGroup');
    expect(group?.resource.Properties?.LogGroupName).toMatch(/^aws-waf-logs-/);
    expect(isStageKeyArn(synth(), 'api', group?.resource.Properties?.KmsKeyId)).toBe(true);
  });

  // The stage's tracing is asserted with the rest of the trace chain in tracing.test.ts.
  test('the stage throttles at the configured rate and burst, and logs at INFO without request data', () => {
    const [, s] = apiStage();
    expect(s.Properties?.StageName).toBe(API_STAGE_NAME);
    const settings = s.Properties?.MethodSettings as MethodSetting[];
    expect(settings).toContainEqual(
      expect.objectContaining({
        HttpMethod: '*',
        ResourcePath: '/*',
        LoggingLevel: 'INFO',
        DataTraceEnabled: false,
        ThrottlingRateLimit: synth().config.api.throttleRateLimit,
        ThrottlingBurstLimit: synth().config.api.throttleBurstLimit,
      }),
    );
    // The PCI cache acknowledgement says no response is cached: keep it true.
    expect(settings.filter((m) => m.CachingEnabled === true)).toEqual([]);
    expect(s.Properties?.CacheClusterEnabled ?? false).toBe(false);
  });

  test('access logs go to an encrypted log group in JSON', () => {
    const access = apiStage()[1].Properties?.AccessLogSetting as { DestinationArn?: unknown; Format?: string } | undefined;
    const [groupId] = refsInJoin(access?.DestinationArn).filter((ref) => !ref.startsWith('AWS::'));
    const group = groupId ? api().toJSON().Resources[groupId] : undefined;
    expect(group?.Type).toBe('AWS::Logs::LogGroup');
    expect(isStageKeyArn(synth(), 'api', group?.Properties?.KmsKeyId)).toBe(true);
    expect(JSON.parse(access?.Format ?? '')).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
  });

  test('execution logs have an account CloudWatch role and a pre-created encrypted group', () => {
    const [, account] = only(resourcesOfType(api(), 'AWS::ApiGateway::Account'));
    expect(resolveReference(synth(), 'api', account.Properties?.CloudWatchRoleArn)?.resource.Type).toBe('AWS::IAM::Role');
    const executionGroups = Object.entries(resourcesOfType(api(), 'AWS::Logs::LogGroup')).filter(([, g]) =>
      JSON.stringify(g.Properties?.LogGroupName ?? '').includes('API-Gateway-Execution-Logs_'),
    );
    expect(executionGroups).toHaveLength(1);
    const [groupId, group] = executionGroups[0] as [string, CfnResourceJson];
    expect(group.Properties?.LogGroupName).toEqual({ 'Fn::Join': ['', ['API-Gateway-Execution-Logs_', { Ref: restApiId() }, `/${API_STAGE_NAME}`]] });
    expect(isStageKeyArn(synth(), 'api', group.Properties?.KmsKeyId)).toBe(true);
    // The stage must not start logging before the group exists, or API Gateway creates an unencrypted one.
    expect([apiStage()[1].DependsOn ?? []].flat()).toContain(groupId);
  });
  test('errors API Gateway answers itself are problem+json with the security headers', () => {
    const responses = Object.values(resourcesOfType(api(), 'AWS::ApiGateway::GatewayResponse')).map((r) => r.Properties ?? {});
    const byType = new Map(responses.map((p) => [String(p.ResponseType), p]));
    for (const type of [
      'MISSING_AUTHENTICATION_TOKEN',
      'UNAUTHORIZED',
      'ACCESS_DENIED',
      'WAF_FILTERED',
      'THROTTLED',
      'REQUEST_TOO_LARGE',
      'BAD_REQUEST_PARAMETERS',
      'BAD_REQUEST_BODY',
      'INTEGRATION_TIMEOUT',
      'DEFAULT_4XX',
      'DEFAULT_5XX',
    ]) {
      const response = byType.get(type);
      expect({ type, present: response !== undefined }).toEqual({ type, present: true });
      const headers = response?.ResponseParameters as Record<string, string>;
      expect(headers['gatewayresponse.header.Content-Type']).toBe("'application/problem+json'");
      expect(headers['gatewayresponse.header.X-Content-Type-Options']).toBe("'nosniff'");
      const template = String((response?.ResponseTemplates as Record<string, string>)['application/json']);
      expect(template).toContain('"correlationId":"$context.requestId"');
      expect(template).not.toMatch(/\$context\.(authorizer|identity)/);
    }
    expect(byType.get('MISSING_AUTHENTICATION_TOKEN')?.StatusCode).toBe('404');
    expect(byType.get('THROTTLED')?.StatusCode).toBe('429');
  });
  test('every gateway response type states its own status, and its body stays JSON for any message and path', () => {
    const responses = Object.values(resourcesOfType(api(), 'AWS::ApiGateway::GatewayResponse')).map((r) => r.Properties ?? {});
    const byType = new Map(responses.map((p) => [String(p.ResponseType), p]));
    const allTypes = Object.values(ResponseType as unknown as Record<string, unknown>)
      .filter((v): v is ResponseType => v instanceof ResponseType)
      .map((t) => t.responseType);
    expect(allTypes).toEqual(expect.arrayContaining(['DEFAULT_4XX', 'DEFAULT_5XX', 'INTEGRATION_FAILURE', 'UNSUPPORTED_MEDIA_TYPE']));
    // Gateway response templates are plain substitution: API Gateway quotes and escapes only messageString.
    const message = 'Missing "required" \\ parameters\n';
    const fill = (template: string) =>
      template
        .replaceAll('$context.error.messageString', JSON.stringify(message))
        .replaceAll('$context.path', '/products/%22%5C%ff')
        .replaceAll('$context.requestId', '0f0e7a3c-3a3c-4c6e-9d0b-1f2e3d4c5b6a');
    for (const type of allTypes) {
      const response = byType.get(type);
      const status = Number(response?.StatusCode);
      const body = JSON.parse(fill(String((response?.ResponseTemplates as Record<string, string> | undefined)?.['application/json']))) as Record<
        string,
        unknown
      >;
      expect({ type, status, bodyStatus: body.status }).toEqual({ type, status: expect.any(Number), bodyStatus: status });
      expect(status >= 400 && status < 600).toBe(true);
      expect(body).toMatchObject({
        type: expect.stringMatching(/^https:\/\/stockade\.dev\/problems\//),
        title: expect.any(String),
        detail: expect.any(String),
        instance: '/products/%22%5C%ff',
      });
    }
    expect(byType.get('DEFAULT_4XX')?.StatusCode).toBe('400');
    expect(byType.get('DEFAULT_5XX')?.StatusCode).toBe('500');
    expect(byType.get('INTEGRATION_FAILURE')?.StatusCode).toBe('502');
  });
});
