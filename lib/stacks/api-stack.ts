import { Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  Cors,
  EndpointType,
  IdentitySource,
  LambdaIntegration,
  LogGroupLogDestination,
  Method,
  MethodLoggingLevel,
  RequestAuthorizer,
  RequestValidator,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Function as LambdaFunction, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { type KnownRoute, routeAccess, routeTableMismatches } from '../../shared/domain/access/route-policies';
import type { Construct } from 'constructs';
import { API_STAGE_NAME, restApiName } from '../config/api-names';
import type { StageConfig } from '../config/stage-config';
import { ApiFirewall } from '../constructs/api-firewall';
import type { StageContext } from '../constructs/stage-props';
import type { StockadeFunction } from '../constructs/stockade-function';
import { StockadeLogGroup } from '../constructs/stockade-log-group';
import { ROUTE_SCHEMAS } from '../../shared/schemas/routes';
import { requestModelSchema } from '../constructs/request-models';
import type { ApiHandlers } from './api-functions-stack';

export { API_STAGE_NAME } from '../config/api-names';

export interface ApiStackProps extends StackProps {
  readonly config: StageConfig;
  readonly key: IKey;
  /**
   * The functions behind the routes and the Lambda authorizer (the ApiFunctions stack), each released behind its
   * `live` alias, which this API invokes.
   */
  readonly handlers: ApiHandlers;
}

/** An error API Gateway answers itself, as problem+json: `id` names its GatewayResponse (`Problem<id>`). */
interface ProblemResponse {
  readonly id: string;
  readonly type: ResponseType;
  readonly status: number;
  readonly title: string;
  readonly slug: string;
  readonly detail?: string;
}

const FORBIDDEN = { status: 403, title: 'Forbidden', slug: 'forbidden' } as const;
const INTERNAL = { status: 500, title: 'Internal error', slug: 'internal' } as const;

/** Every response type API Gateway may answer, with the status and problem type Stockade answers it with. */
const PROBLEM_RESPONSES: readonly ProblemResponse[] = [
  {
    id: 'NotFound',
    type: ResponseType.MISSING_AUTHENTICATION_TOKEN,
    status: 404,
    title: 'Not found',
    slug: 'not-found',
    detail: 'No route matches this method and path',
  },
  { id: 'ResourceNotFound', type: ResponseType.RESOURCE_NOT_FOUND, status: 404, title: 'Not found', slug: 'not-found' },
  { id: 'Unauthorized', type: ResponseType.UNAUTHORIZED, status: 401, title: 'Unauthorized', slug: 'unauthorized' },
  { id: 'AccessDenied', type: ResponseType.ACCESS_DENIED, ...FORBIDDEN },
  { id: 'WafFiltered', type: ResponseType.WAF_FILTERED, ...FORBIDDEN },
  { id: 'ExpiredToken', type: ResponseType.EXPIRED_TOKEN, ...FORBIDDEN },
  { id: 'InvalidSignature', type: ResponseType.INVALID_SIGNATURE, ...FORBIDDEN },
  { id: 'InvalidApiKey', type: ResponseType.INVALID_API_KEY, ...FORBIDDEN },
  { id: 'Throttled', type: ResponseType.THROTTLED, status: 429, title: 'Too many requests', slug: 'throttled' },
  { id: 'QuotaExceeded', type: ResponseType.QUOTA_EXCEEDED, status: 429, title: 'Too many requests', slug: 'throttled' },
  { id: 'TooLarge', type: ResponseType.REQUEST_TOO_LARGE, status: 413, title: 'Payload too large', slug: 'payload-too-large' },
  { id: 'UnsupportedMediaType', type: ResponseType.UNSUPPORTED_MEDIA_TYPE, status: 415, title: 'Unsupported media type', slug: 'unsupported-media-type' },
  { id: 'BadParameters', type: ResponseType.BAD_REQUEST_PARAMETERS, status: 400, title: 'Invalid request', slug: 'validation' },
  { id: 'BadBody', type: ResponseType.BAD_REQUEST_BODY, status: 400, title: 'Invalid request', slug: 'validation' },
  { id: 'Default4xx', type: ResponseType.DEFAULT_4XX, status: 400, title: 'Request refused', slug: 'client-error' },
  { id: 'AuthorizerFailure', type: ResponseType.AUTHORIZER_FAILURE, ...INTERNAL },
  { id: 'AuthorizerConfigurationError', type: ResponseType.AUTHORIZER_CONFIGURATION_ERROR, ...INTERNAL },
  { id: 'ApiConfigurationError', type: ResponseType.API_CONFIGURATION_ERROR, ...INTERNAL },
  // A Lambda proxy integration that fails or answers malformed output: 502, as API Gateway answers it by default.
  { id: 'IntegrationFailure', type: ResponseType.INTEGRATION_FAILURE, status: 502, title: 'Bad gateway', slug: 'bad-gateway' },
  { id: 'Timeout', type: ResponseType.INTEGRATION_TIMEOUT, status: 504, title: 'Gateway timeout', slug: 'timeout' },
  { id: 'Default5xx', type: ResponseType.DEFAULT_5XX, ...INTERNAL },
];

/**
 * Stateless: the REST API (routes, request models, gateway responses, the Lambda authorizer), its WAF, and the
 * permissions API Gateway invokes the functions with. The functions themselves, and their releases, are the
 * ApiFunctions stack's: every integration, the authorizer and every permission name a function's `live` alias.
 */
export class ApiStack extends Stack {
  readonly api: RestApi;
  readonly firewall: ApiFirewall;
  readonly requestValidator: RequestValidator;
  /** The Lambda authorizer in front of every member route. */
  readonly authorizer: RequestAuthorizer;
  private readonly stageContext: StageContext;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    this.stageContext = { config: props.config, key: props.key };
    this.api = this.createRestApi();
    this.acknowledgeApiFindings();
    this.addExecutionLogs();
    this.requestValidator = this.createRequestValidator();
    this.addProblemGatewayResponses();
    this.firewall = new ApiFirewall(this, 'Firewall', { stageContext: this.stageContext, stageArn: this.api.deploymentStage.stageArn });
    this.authorizer = this.createAuthorizer(props.handlers.authorizer);
    for (const { route, fn } of props.handlers.routes) this.addRoute(route, fn);
    // One route list: the access table and this API's methods must agree both ways when the app synthesizes, however
    // a method was added (addRoute refuses an unknown route; a method added around it, or a route dropped, is caught here).
    this.node.addValidation({ validate: () => routeTableMismatches(this.servedRoutes()) });
  }

  /** Every `METHOD /path` this API serves, read from the construct tree (CORS preflight OPTIONS left out). */
  servedRoutes(): string[] {
    return this.api.root.node
      .findAll()
      .filter((c): c is Method => c instanceof Method && c.httpMethod !== 'OPTIONS')
      .map((m) => `${m.httpMethod} ${m.resource.path}`);
  }

  /**
   * Adds a route as the access matrix (shared/domain/access/route-policies.ts) declares it: public and webhook
   * routes without authorization, member routes behind the Lambda authorizer, each integrated with `fn`'s `live`
   * alias. A route the matrix does not list fails synthesis.
   */
  addRoute(route: KnownRoute, fn: StockadeFunction): Method {
    const access = routeAccess(route);
    const [httpMethod, path] = route.split(' ') as [string, string];
    if (!access) throw new Error(`${route} has no entry in the access matrix (shared/domain/access/route-policies.ts)`);
    const resource = this.api.root.resourceForPath(path);
    const schemas = ROUTE_SCHEMAS[route];
    const model = requestModelSchema(schemas);
    const method = resource.addMethod(httpMethod, new LambdaIntegration(this.liveAlias(fn)), {
      requestValidator: this.requestValidator,
      ...(model ? { requestModels: { 'application/json': this.api.addModel(`${fn.node.id}Body`, { contentType: 'application/json', schema: model }) } } : {}),
      ...(schemas.idempotencyKey?.required ? { requestParameters: { 'method.request.header.Idempotency-Key': true } } : {}),
      ...(access.kind === 'member' ? { authorizer: this.authorizer, authorizationType: AuthorizationType.CUSTOM } : {}),
    });
    const reason =
      access.kind === 'public'
        ? `${route} is public by the access matrix (no personal data, read-only or liveness); WAF rules and rate limits still apply.`
        : access.kind === 'webhook'
          ? `${route} is called by a partner with no Cognito identity; the handler verifies the sender's signature over the raw body before reading it, and WAF rate-limits /webhooks/*.`
          : undefined;
    if (reason) {
      Validations.of(method).acknowledge({ id: 'AwsSolutions::AwsSolutions-APIG4', reason }, { id: 'AwsSolutions::AwsSolutions-COG4', reason });
    } else {
      Validations.of(method).acknowledge({
        id: 'AwsSolutions::AwsSolutions-COG4',
        reason:
          'Member routes use a Lambda authorizer that verifies Cognito access tokens with aws-jwt-verify (signature, issuer, expiry, token_use, client id) and then applies the route matrix with MFA evidence and admin network conditions, which a Cognito user pool authorizer cannot express.',
      });
    }
    return method;
  }

  /** The regional REST API with its stage: X-Ray, INFO execution logs, JSON access logs, the stage's throttling and CORS. */
  private createRestApi(): RestApi {
    const { config } = this.stageContext;
    const accessLogs = new StockadeLogGroup(this, 'AccessLogs', { stageContext: this.stageContext });
    return new RestApi(this, 'RestApi', {
      // Fixed per stage: the ApiFunctions stack names the API's metrics by it for its rollback alarm.
      restApiName: restApiName(config),
      description: `Stockade ${config.stage} commerce API`,
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      cloudWatchRole: true,
      deployOptions: {
        stageName: API_STAGE_NAME,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: MethodLoggingLevel.INFO,
        dataTraceEnabled: false,
        throttlingRateLimit: config.api.throttleRateLimit,
        throttlingBurstLimit: config.api.throttleBurstLimit,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields({
          caller: false,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: false,
        }),
      },
      defaultCorsPreflightOptions: {
        allowOrigins: config.api.corsAllowOrigins,
        allowMethods: Cors.ALL_METHODS,
        allowHeaders: ['Content-Type', 'Authorization', 'Idempotency-Key', 'If-None-Match'],
      },
    });
  }

  /**
   * Execution logs go to a group we create (KMS, retention, removal policy) instead of one API Gateway would create
   * on first write, unencrypted and kept forever. The name is the one API Gateway writes to.
   */
  private addExecutionLogs(): void {
    const executionLogs = new StockadeLogGroup(this, 'ExecutionLogs', {
      stageContext: this.stageContext,
      logGroupName: `API-Gateway-Execution-Logs_${this.api.restApiId}/${API_STAGE_NAME}`,
    });
    this.api.deploymentStage.node.addDependency(executionLogs);
  }

  /**
   * Both flags on (cdk-nag AwsSolutions-APIG2 requires both): API Gateway validates a body only against a method's
   * request model, so routes without one are unaffected, and routes that declare one are checked at the edge before
   * the handler's zod schema sees them.
   */
  private createRequestValidator(): RequestValidator {
    return new RequestValidator(this, 'RequestValidator', {
      restApi: this.api,
      validateRequestBody: true,
      validateRequestParameters: true,
    });
  }

  /** The Lambda authorizer, invoking the authorizer function's `live` alias. */
  private createAuthorizer(authorizer: StockadeFunction): RequestAuthorizer {
    return new RequestAuthorizer(this, 'Authorizer', {
      handler: this.liveAlias(authorizer),
      authorizerName: `stockade-${this.stageContext.config.stage}-access`,
      identitySources: [IdentitySource.header('Authorization')],
      // Every request is decided afresh: decisions depend on the route and source address, and revoked or expired
      // tokens must not keep working from a cache.
      resultsCacheTtl: Duration.seconds(0),
    });
  }

  /**
   * The `live` alias of a function of the ApiFunctions stack, as this stack invokes it: imported by its ARN, so that
   * the integration URI, the authorizer URI and the Lambda permissions (which CDK adds here, beside each method and
   * the authorizer, for `sameEnvironment` functions) all name the alias, and never the unqualified function. An
   * import rather than the Alias construct keeps every grant on this side of the stack boundary: nothing here can add
   * to the other stack and make it depend back on this one.
   */
  private liveAlias(fn: StockadeFunction): IFunction {
    if (!fn.live) throw new Error(`${fn.node.path} is not released behind an alias: create its FunctionRelease before routing to it`);
    const id = `${fn.node.id}Live`;
    return (
      (this.node.tryFindChild(id) as IFunction | undefined) ??
      LambdaFunction.fromFunctionAttributes(this, id, { functionArn: fn.live.functionArn, sameEnvironment: true })
    );
  }

  /**
   * Errors API Gateway answers itself (unknown route, throttling, oversized body, timeouts) are RFC 9457
   * problem+json like every handler error, with the request id as correlation id and the same security headers.
   *
   * A gateway response template is plain substitution, not VTL: it cannot compute or escape anything. So every
   * response type gets its own response with a fixed status code, and its body states that same status: the
   * DEFAULT_4XX/DEFAULT_5XX fallbacks get one too (400/500), which API Gateway then also answers for any type not
   * configured here, so `status` always equals the HTTP status. The only request values in the body are
   * $context.error.messageString (API Gateway's message, already a quoted JSON string), $context.path (the
   * request path without the query string, percent-encoded as sent) and $context.requestId.
   */
  private addProblemGatewayResponses(): void {
    for (const r of PROBLEM_RESPONSES) {
      const body = [
        `"type":"https://stockade.dev/problems/${r.slug}"`,
        `"title":"${r.title}"`,
        `"status":${r.status}`,
        `"detail":${r.detail ? JSON.stringify(r.detail) : '$context.error.messageString'}`,
        '"instance":"$context.path"',
        '"correlationId":"$context.requestId"',
      ].join(',');
      this.api.addGatewayResponse(`Problem${r.id}`, {
        type: r.type,
        statusCode: String(r.status),
        responseHeaders: {
          'Content-Type': "'application/problem+json'",
          'Strict-Transport-Security': "'max-age=31536000; includeSubDomains'",
          'X-Content-Type-Options': "'nosniff'",
          'Cache-Control': "'no-store'",
        },
        templates: { 'application/json': `{${body}}` },
      });
    }
  }

  /** Findings about the REST API itself that are acknowledged, each with why it does not apply to Stockade. */
  private acknowledgeApiFindings(): void {
    Validations.of(this.api.deploymentStage).acknowledge(
      {
        id: 'PCI.DSS.321::PCI.DSS.321-APIGWCacheEnabledAndEncrypted',
        reason:
          'Responses carry per-user data (orders, carts) and live stock levels that must not be served from a cache; no method enables caching, so there is no cache to encrypt. Stockade handles no cardholder data (Stripe takes the card).',
      },
      {
        id: 'PCI.DSS.321::PCI.DSS.321-APIGWSSLEnabled',
        reason:
          'Every integration is a Lambda proxy integration, which API Gateway calls through the Lambda Invoke API under a resource-based permission; there is no HTTP backend to present a client certificate to. Clients reach the API over TLS only (execute-api serves no plain HTTP).',
      },
    );
    // cloudWatchRole: true creates the account-level role API Gateway uses to write execution and access logs.
    Validations.of(this.api.node.findChild('CloudWatchRole')).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        'This is the account-wide API Gateway CloudWatch role (AWS::ApiGateway::Account): one role writes execution and access logs for every REST API and stage in the account and region, so it cannot be scoped to this API without breaking others (including another Stockade stage sharing the account). AmazonAPIGatewayPushToCloudWatchLogs is the policy AWS documents as required, AWS keeps it in step with the service, only apigateway.amazonaws.com can assume the role, and a hand-narrowed copy cannot be verified without an AWS account: a wrong guess would silently stop the API audit logs.',
    });
  }
}
