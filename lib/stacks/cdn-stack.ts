import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  AllowedMethods,
  CachedMethods,
  CachePolicy,
  CacheCookieBehavior,
  CacheHeaderBehavior,
  CacheQueryStringBehavior,
  Distribution,
  HttpVersion,
  OriginRequestPolicy,
  PriceClass,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { RestApiOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { CfnLoggingConfiguration, CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { type KnownRoute, ROUTE_POLICIES } from '../../shared/domain/access/route-policies';
import { ListProductsQuerySchema } from '../../shared/schemas/catalog';
import { API_STAGE_NAME } from '../config/api-names';
import type { StageConfig } from '../config/stage-config';
import { MANAGED_RULE_GROUPS } from '../constructs/api-firewall';
import { removalPolicyOf } from '../constructs/stage-props';
import { StockadeLogGroup } from '../constructs/stockade-log-group';

/** CloudFront's WAF web ACLs (scope CLOUDFRONT) and its viewer certificates live in us-east-1 only. */
export const EDGE_REGION = 'us-east-1';

export interface CdnStackProps extends StackProps {
  readonly config: StageConfig;
  /** The REST API whose stage is the distribution's origin. */
  readonly api: RestApi;
}

/**
 * Where the CDN stack is deployed: us-east-1 when the stage names another region (the API's stack and this one then
 * exchange the API's URL through CDK's cross-region references), else beside the API (us-east-1 itself, or an
 * environment-agnostic synthesis such as the tests').
 */
export function cdnPlacement(config: StageConfig): { region: string | undefined; crossRegion: boolean } {
  const apiRegion = config.env.region;
  if (apiRegion === undefined || apiRegion === EDGE_REGION) return { region: apiRegion, crossRegion: false };
  return { region: EDGE_REGION, crossRegion: true };
}

/** The public routes of the access table: the only paths the distribution serves. */
export function publicRoutes(): KnownRoute[] {
  return (Object.keys(ROUTE_POLICIES) as KnownRoute[]).filter((route) => ROUTE_POLICIES[route].kind === 'public');
}

/** The error statuses CloudFront caches unless told otherwise (its error caching minimum TTL). */
export const CACHED_ERROR_STATUSES = [400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504] as const;

/** The routes shared caches may keep (their answers carry Cache-Control: public and an ETag). */
export const CACHED_PATH_PATTERNS = ['/products', '/products/*'] as const;

/**
 * Stateless: a CloudFront distribution in front of the API's public paths (staging and prod; the stage's `cdn`).
 * GET /products and GET /products/{productId} are cached for as long as their Cache-Control says (at most the stage's
 * catalogCache.maxAgeSeconds), keyed by path, the listing's query parameters and Origin (CORS), never by
 * Authorization or cookies; /health and /openapi.json are forwarded uncached. Every other path is refused at the edge
 * with 404 by the distribution's WAF web ACL (CLOUDFRONT scope): member, admin and webhook routes keep calling the API
 * itself, because the admin network rule, the per-IP rate limits and the audit trail read the caller's address, which
 * behind CloudFront would be an edge server's. Shield Standard protects the distribution with no resource to create.
 */
export class CdnStack extends Stack {
  readonly distribution: Distribution;
  readonly webAcl: CfnWebACL;
  readonly catalogCachePolicy: CachePolicy;

  constructor(scope: Construct, id: string, props: CdnStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.webAcl = this.createEdgeFirewall(config);

    this.catalogCachePolicy = new CachePolicy(this, 'CatalogCachePolicy', {
      cachePolicyName: `stockade-${config.stage}-catalog`,
      comment: 'Stockade public catalog reads: the origin Cache-Control decides, capped at the stage catalog TTL',
      // No Cache-Control from the origin (an error API Gateway answered itself) means not cached.
      defaultTtl: Duration.seconds(0),
      minTtl: Duration.seconds(0),
      maxTtl: Duration.seconds(config.catalogCache.maxAgeSeconds),
      // The listing's own parameters, read from its schema: a parameter it does not read cannot split the cache.
      queryStringBehavior: CacheQueryStringBehavior.allowList(...Object.keys(ListProductsQuerySchema.shape)),
      // The CORS answer depends on Origin; Authorization is never part of the key (these routes are public).
      headerBehavior: CacheHeaderBehavior.allowList('Origin'),
      cookieBehavior: CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });

    const origin = new RestApiOrigin(props.api, { originPath: `/${API_STAGE_NAME}` });
    const catalog = {
      origin,
      cachePolicy: this.catalogCachePolicy,
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
      cachedMethods: CachedMethods.CACHE_GET_HEAD,
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      compress: true,
    };
    this.distribution = new Distribution(this, 'Distribution', {
      comment: `Stockade ${config.stage} public API paths`,
      defaultBehavior: {
        origin,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      },
      additionalBehaviors: Object.fromEntries(CACHED_PATH_PATTERNS.map((pattern) => [pattern, catalog])),
      // CloudFront keeps these errors 10 s by default, whatever the origin says: a throttled or failed answer would be
      // served to every shopper behind the edge. Never keep one.
      errorResponses: CACHED_ERROR_STATUSES.map((httpStatus) => ({ httpStatus, ttl: Duration.seconds(0) })),
      webAclId: this.webAcl.attrArn,
      priceClass:
        PriceClass[
          config.cdn.priceClass === 'PriceClass_All' ? 'PRICE_CLASS_ALL' : config.cdn.priceClass === 'PriceClass_200' ? 'PRICE_CLASS_200' : 'PRICE_CLASS_100'
        ],
      httpVersion: HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-CFR1',
        reason: 'The catalog is public worldwide; no country is refused (the origin API has no geographic rule either).',
      },
      {
        id: 'AwsSolutions::AwsSolutions-CFR3',
        reason:
          "The distribution's WAF web ACL logs every viewer request it evaluates (all of them) to CloudWatch Logs, and API Gateway's access log records every request that reaches the origin; an S3 log bucket would hold the same again.",
      },
      {
        id: 'AwsSolutions::AwsSolutions-CFR4',
        reason:
          "No custom domain is configured yet: the distribution uses its cloudfront.net certificate, whose minimum protocol CloudFront fixes at TLSv1. Add the stage's domain and an ACM certificate in us-east-1 with TLSv1.2_2021 before shoppers use it directly.",
      },
    );

    new CfnOutput(this, 'CdnUrl', { value: `https://${this.distribution.distributionDomainName}`, description: "The public catalog's CDN URL" });
  }

  /**
   * The distribution's web ACL: refuse every path that is not public (404 problem+json), then the AWS managed rule
   * groups the API's own web ACL runs, then the stage's per-IP rate limit, with every request logged (credentials
   * redacted) to a log group encrypted with a key of this stack (the stage key may be in another region).
   */
  private createEdgeFirewall(config: StageConfig): CfnWebACL {
    const metric = (name: string) => ({ cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: `stockade-${config.stage}-edge-${name}` });
    const paths = [...new Set(publicRoutes().map((route) => route.slice(route.indexOf(' ') + 1)))];
    const pathMatch = (path: string): CfnWebACL.StatementProperty => {
      const templated = path.indexOf('{');
      return {
        byteMatchStatement: {
          fieldToMatch: { uriPath: {} },
          positionalConstraint: templated < 0 ? 'EXACTLY' : 'STARTS_WITH',
          searchString: templated < 0 ? path : path.slice(0, templated),
          textTransformations: [{ priority: 0, type: 'NONE' }],
        },
      };
    };
    const notFound = JSON.stringify({
      type: 'https://stockade.dev/problems/not-found',
      title: 'Not found',
      status: 404,
      detail: "The CDN serves the API's public paths only; call the API's own URL for the others",
    });
    const managed: CfnWebACL.RuleProperty[] = MANAGED_RULE_GROUPS.map((name, i) => ({
      name,
      priority: 10 + i,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
      visibilityConfig: metric(name),
    }));
    const webAcl = new CfnWebACL(this, 'EdgeWebAcl', {
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      description: `Stockade ${config.stage} CDN: public API paths only`,
      customResponseBodies: { 'not-public': { contentType: 'APPLICATION_JSON', content: notFound } },
      rules: [
        {
          name: 'OnlyPublicPaths',
          priority: 0,
          action: { block: { customResponse: { responseCode: 404, customResponseBodyKey: 'not-public' } } },
          statement: { notStatement: { statement: { orStatement: { statements: paths.map(pathMatch) } } } },
          visibilityConfig: metric('not-public'),
        },
        ...managed,
        {
          name: 'RateLimitAll',
          priority: 30,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: config.waf.rateLimitPer5Min, aggregateKeyType: 'IP' } },
          visibilityConfig: metric('rate-all'),
        },
      ],
      visibilityConfig: metric('web-acl'),
    });

    const key = new Key(this, 'EdgeLogsKey', {
      description: `Stockade ${config.stage}: the CDN's WAF logs`,
      enableKeyRotation: true,
      removalPolicy: removalPolicyOf(config),
      pendingWindow: Duration.days(config.removalPolicy === 'retain' ? 30 : 7),
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${this.partition}:logs:${this.region}:${this.account}:*` } },
      }),
    );
    // WAF requires the log group name to start with aws-waf-logs-.
    const logGroup = new StockadeLogGroup(this, 'EdgeWafLogs', { stageContext: { config, key }, logGroupName: `aws-waf-logs-stockade-${config.stage}-edge` });
    new CfnLoggingConfiguration(this, 'EdgeWafLogging', {
      resourceArn: webAcl.attrArn,
      logDestinationConfigs: [logGroup.logGroupArn],
      redactedFields: [{ singleHeader: { Name: 'authorization' } }, { singleHeader: { Name: 'cookie' } }],
    });
    return webAcl;
  }
}
