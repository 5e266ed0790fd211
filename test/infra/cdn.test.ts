import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import cdkJson from '../../cdk.json';
import { addStockadeStage, type StockadeStage } from '../../lib/app';
import { resolveStageConfig } from '../../lib/config/stages';
import { CACHED_ERROR_STATUSES, CACHED_PATH_PATTERNS, EDGE_REGION } from '../../lib/stacks/cdn-stack';
import { ENV } from '../../shared/config/env-names';
import { type CfnResourceJson, formatFinding, resourcesOfType, STAGES, synthStage } from './synth-stage';

/** CloudFront's managed policies (their ids are fixed by AWS). */
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

interface Behavior {
  readonly PathPattern?: string;
  readonly CachePolicyId: unknown;
  readonly OriginRequestPolicyId?: unknown;
  readonly AllowedMethods?: string[];
  readonly ViewerProtocolPolicy: string;
}
interface DistributionConfig {
  readonly DefaultCacheBehavior: Behavior;
  readonly CacheBehaviors: Behavior[];
  readonly Origins: { DomainName: unknown; OriginPath: string; CustomOriginConfig: { OriginProtocolPolicy: string } }[];
  readonly WebACLId: unknown;
  readonly CustomErrorResponses: { ErrorCode: number; ErrorCachingMinTTL: number }[];
}

const only = (resources: Record<string, CfnResourceJson>): [string, CfnResourceJson] => {
  const entries = Object.entries(resources);
  expect(entries).toHaveLength(1);
  return entries[0] as [string, CfnResourceJson];
};

/**
 * The catalog cache (issue 12, item 4): the public reads carry the stage's Cache-Control, and staging and prod put a
 * CloudFront distribution in front of the public paths, caching the catalog only, behind a CLOUDFRONT-scope web ACL.
 */
describe.each(STAGES)('catalog cache and CDN (%s)', (stage) => {
  const synth = () => synthStage(stage);
  const cdn = () => (synth().stacks as StockadeStage).cdn;

  it("gives both catalog reads, and only them, the stage's cache times", () => {
    const { config, templates } = synth();
    const functions = resourcesOfType(templates.apiFunctions, 'AWS::Lambda::Function');
    const cached = Object.entries(functions)
      .filter(
        ([, fn]) => (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.[ENV.CATALOG_CACHE_SECONDS] !== undefined,
      )
      .map(([id, fn]) => [id.replace(/[0-9A-F]{8}$/, ''), (fn.Properties?.Environment as { Variables: Record<string, unknown> }).Variables]);
    expect(cached.map(([id]) => id).sort()).toEqual(['GetProduct', 'ListProducts']);
    for (const [, variables] of cached) {
      expect(variables).toMatchObject({
        [ENV.CATALOG_CACHE_SECONDS]: String(config.catalogCache.maxAgeSeconds),
        [ENV.CATALOG_STALE_SECONDS]: String(config.catalogCache.staleWhileRevalidateSeconds),
      });
    }
  });

  if (stage === 'dev') {
    it('has no CDN in dev', () => {
      expect(synth().config.cdn.enabled).toBe(false);
      expect(cdn()).toBeUndefined();
    });
    return;
  }

  const template = () => Template.fromStack(cdn() as Stack);
  const distribution = () => only(resourcesOfType(template(), 'AWS::CloudFront::Distribution'))[1].Properties?.DistributionConfig as DistributionConfig;

  it('puts one distribution in front of the API stage, over HTTPS only', () => {
    const config = distribution();
    expect(config.Origins).toHaveLength(1);
    const origin = config.Origins[0];
    expect(origin?.OriginPath).toBe('/v1');
    expect(origin?.CustomOriginConfig.OriginProtocolPolicy).toBe('https-only');
    // The origin's host is the REST API's own (execute-api), read from the Api stack.
    expect(JSON.stringify(origin?.DomainName)).toMatch(/RestApi/);
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('https-only');
  });

  it('caches GET /products and GET /products/{productId} only, keyed by their query, never by Authorization or cookies', () => {
    const { config } = synth();
    const behaviors = distribution().CacheBehaviors;
    expect(behaviors.map((b) => b.PathPattern).sort()).toEqual([...CACHED_PATH_PATTERNS].sort());
    const [policyId, policy] = only(resourcesOfType(template(), 'AWS::CloudFront::CachePolicy'));
    for (const behavior of behaviors) {
      expect(behavior.CachePolicyId).toEqual({ Ref: policyId });
      expect(behavior.OriginRequestPolicyId).toBeUndefined();
      expect(behavior.AllowedMethods).toEqual(['GET', 'HEAD', 'OPTIONS']);
    }
    const settings = policy.Properties?.CachePolicyConfig as {
      DefaultTTL: number;
      MinTTL: number;
      MaxTTL: number;
      ParametersInCacheKeyAndForwardedToOrigin: {
        QueryStringsConfig: { QueryStringBehavior: string; QueryStrings: string[] };
        HeadersConfig: { HeaderBehavior: string; Headers: string[] };
        CookiesConfig: { CookieBehavior: string };
      };
    };
    expect({ defaultTtl: settings.DefaultTTL, minTtl: settings.MinTTL, maxTtl: settings.MaxTTL }).toEqual({
      defaultTtl: 0,
      minTtl: 0,
      maxTtl: config.catalogCache.maxAgeSeconds,
    });
    const key = settings.ParametersInCacheKeyAndForwardedToOrigin;
    expect(key.QueryStringsConfig.QueryStringBehavior).toBe('whitelist');
    expect([...key.QueryStringsConfig.QueryStrings].sort()).toEqual(['cursor', 'limit', 'q', 'vendorId']);
    expect(key.HeadersConfig).toEqual({ HeaderBehavior: 'whitelist', Headers: ['Origin'] });
    expect(key.CookiesConfig.CookieBehavior).toBe('none');
  });

  it('never keeps an error: every status CloudFront would cache for 10 s is kept 0 s', () => {
    const errors = distribution().CustomErrorResponses;
    expect(errors.map((e) => e.ErrorCode).sort((a, b) => a - b)).toEqual([...CACHED_ERROR_STATUSES]);
    expect(errors.every((e) => e.ErrorCachingMinTTL === 0 && Object.keys(e).length === 2)).toBe(true);
  });

  it('forwards every other path uncached with all viewer headers but Host', () => {
    const fallback = distribution().DefaultCacheBehavior;
    expect(fallback.CachePolicyId).toBe(CACHING_DISABLED);
    expect(fallback.OriginRequestPolicyId).toBe(ALL_VIEWER_EXCEPT_HOST_HEADER);
  });

  it('is behind a CLOUDFRONT-scope web ACL that serves the public paths only, runs the managed rules and rate-limits per IP, and logs', () => {
    const { config } = synth();
    const [aclId, acl] = only(resourcesOfType(template(), 'AWS::WAFv2::WebACL'));
    expect(distribution().WebACLId).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
    expect(acl.Properties?.Scope).toBe('CLOUDFRONT');
    const rules = acl.Properties?.Rules as { Name: string; Priority: number; Action?: unknown; Statement: Record<string, unknown> }[];
    const first = [...rules].sort((a, b) => a.Priority - b.Priority)[0];
    expect(first?.Name).toBe('OnlyPublicPaths');
    expect(first?.Action).toEqual({ Block: { CustomResponse: { ResponseCode: 404, CustomResponseBodyKey: 'not-public' } } });
    const allowed = JSON.stringify(first?.Statement);
    for (const path of ['"/health"', '"/openapi.json"', '"/products"', '"/products/"']) expect(allowed).toContain(path);
    expect(allowed).not.toMatch(/cart|checkout|orders|admin|vendor|webhooks|"\/me"/);
    expect(rules.map((r) => r.Name)).toEqual(expect.arrayContaining(['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet', 'RateLimitAll']));
    expect(JSON.stringify(rules.find((r) => r.Name === 'RateLimitAll')?.Statement)).toContain(`"Limit":${config.waf.rateLimitPer5Min}`);
    const [, logging] = only(resourcesOfType(template(), 'AWS::WAFv2::LoggingConfiguration'));
    expect(logging.Properties?.ResourceArn).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
    const [, logs] = only(resourcesOfType(template(), 'AWS::Logs::LogGroup'));
    expect(logs.Properties?.LogGroupName).toBe(`aws-waf-logs-stockade-${stage}-edge`);
    expect(logs.Properties?.KmsKeyId).toBeDefined();
  });

  it('stays small and raises no unacknowledged finding', () => {
    expect(Object.keys(template().toJSON().Resources as object).length).toBeLessThanOrEqual(400);
    const stackName = (cdn() as Stack).stackName;
    expect(
      synth()
        .findings.filter((f) => f.constructPath.startsWith(`${stackName}/`))
        .map(formatFinding),
    ).toEqual([]);
  });
});

describe('a stage deployed outside us-east-1', () => {
  it("places the CDN stack in us-east-1 and reads the API's URL across regions", () => {
    const app = new App({
      context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], '@aws-cdk/core:failSynthOnValidationErrors': false, allowPlaceholders: true },
    });
    const config = resolveStageConfig({ stage: 'prod', account: '123456789012', region: 'eu-west-1' });
    const stacks = addStockadeStage(app, config);
    const cdn = stacks.cdn as Stack;
    expect(cdn.region).toBe(EDGE_REGION);
    expect(stacks.api.region).toBe('eu-west-1');
    const origin = (Template.fromStack(cdn).toJSON() as { Resources: Record<string, CfnResourceJson> }).Resources;
    // CDK's cross-region reference: the Api stack's output, read in eu-west-1.
    expect(JSON.stringify(origin)).toContain('"Fn::GetStackOutput":{"StackName":"Stockade-prod-Api","Region":"eu-west-1"');
    expect(Object.values(origin).filter((r) => r.Type === 'AWS::WAFv2::WebACL')).toHaveLength(1);
  });
});
