import { Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  Cors,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RequestValidator,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stage-config';
import { ApiFirewall } from '../constructs/api-firewall';
import type { StageContext } from '../constructs/stage-props';
import { StockadeFunction } from '../constructs/stockade-function';
import { StockadeLogGroup } from '../constructs/stockade-log-group';

/** The API Gateway stage name; clients call https://…/v1/products. */
export const API_STAGE_NAME = 'v1';

export interface ApiStackProps extends StackProps {
  readonly config: StageConfig;
  readonly key: IKey;
}

/** Stateless: the REST API, its WAF and the functions behind its routes. */
export class ApiStack extends Stack {
  readonly api: RestApi;
  readonly firewall: ApiFirewall;
  readonly requestValidator: RequestValidator;
  /** Every function behind a route, for alarms and the dashboard. */
  readonly functions: StockadeFunction[] = [];
  private readonly stageContext: StageContext;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.stageContext = { config, key: props.key };

    const accessLogs = new StockadeLogGroup(this, 'AccessLogs', { stageContext: this.stageContext });
    this.api = new RestApi(this, 'RestApi', {
      restApiName: `stockade-${config.stage}`,
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
        allowHeaders: ['Content-Type', 'Authorization', 'Idempotency-Key'],
      },
    });
    this.acknowledgeApiFindings();

    // Execution logs go to a group we create (KMS, retention, removal policy) instead of one API Gateway would
    // create on first write, unencrypted and kept forever. The name is the one API Gateway writes to.
    const executionLogs = new StockadeLogGroup(this, 'ExecutionLogs', {
      stageContext: this.stageContext,
      logGroupName: `API-Gateway-Execution-Logs_${this.api.restApiId}/${API_STAGE_NAME}`,
    });
    this.api.deploymentStage.node.addDependency(executionLogs);

    // Both flags on (cdk-nag AwsSolutions-APIG2 requires both): API Gateway validates a body only against a method's
    // request model, so routes without one are unaffected, and routes that declare one are checked at the edge
    // before the handler's zod schema sees them.
    this.requestValidator = new RequestValidator(this, 'RequestValidator', {
      restApi: this.api,
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    this.addProblemGatewayResponses();
    this.firewall = new ApiFirewall(this, 'Firewall', { stageContext: this.stageContext, stageArn: this.api.deploymentStage.stageArn });

    const health = this.addFunction('GetHealth', { entry: 'platform/get-health', service: 'platform' });
    const getHealth = this.api.root.addResource('health').addMethod('GET', new LambdaIntegration(health), { requestValidator: this.requestValidator });
    const publicProbe =
      'GET /health is the deliberately unauthenticated liveness probe for load balancers and uptime checks: it reads no table, takes no input and returns only {status: "ok"}; the WAF rules and rate limits still apply.';
    Validations.of(getHealth).acknowledge(
      { id: 'AwsSolutions::AwsSolutions-APIG4', reason: publicProbe },
      { id: 'AwsSolutions::AwsSolutions-COG4', reason: publicProbe },
    );
  }

  /**
   * Errors API Gateway answers itself (unknown route, throttling, oversized body, timeouts) are RFC 9457
   * problem+json like every handler error, with the request id as correlation id and the same security headers.
   */
  private addProblemGatewayResponses(): void {
    const responses: Array<{ id: string; type: ResponseType; status?: number; title: string; slug: string; detail?: string }> = [
      { id: 'NotFound', type: ResponseType.MISSING_AUTHENTICATION_TOKEN, status: 404, title: 'Not found', slug: 'not-found', detail: 'No route matches this method and path' },
      { id: 'Unauthorized', type: ResponseType.UNAUTHORIZED, status: 401, title: 'Unauthorized', slug: 'unauthorized' },
      { id: 'AccessDenied', type: ResponseType.ACCESS_DENIED, status: 403, title: 'Forbidden', slug: 'forbidden' },
      { id: 'WafFiltered', type: ResponseType.WAF_FILTERED, status: 403, title: 'Forbidden', slug: 'forbidden' },
      { id: 'Throttled', type: ResponseType.THROTTLED, status: 429, title: 'Too many requests', slug: 'throttled' },
      { id: 'TooLarge', type: ResponseType.REQUEST_TOO_LARGE, status: 413, title: 'Payload too large', slug: 'payload-too-large' },
      { id: 'BadParameters', type: ResponseType.BAD_REQUEST_PARAMETERS, status: 400, title: 'Invalid request', slug: 'validation' },
      { id: 'BadBody', type: ResponseType.BAD_REQUEST_BODY, status: 400, title: 'Invalid request', slug: 'validation' },
      { id: 'Timeout', type: ResponseType.INTEGRATION_TIMEOUT, status: 504, title: 'Gateway timeout', slug: 'timeout' },
      { id: 'Default4xx', type: ResponseType.DEFAULT_4XX, title: 'Request refused', slug: 'client-error' },
      { id: 'Default5xx', type: ResponseType.DEFAULT_5XX, title: 'Internal error', slug: 'internal' },
    ];
    for (const r of responses) {
      const body = [
        `"type":"https://stockade.dev/problems/${r.slug}"`,
        `"title":"${r.title}"`,
        ...(r.status ? [`"status":${r.status}`] : []),
        `"detail":${r.detail ? JSON.stringify(r.detail) : '$context.error.messageString'}`,
        '"instance":"$context.path"',
        '"correlationId":"$context.requestId"',
      ].join(',');
      this.api.addGatewayResponse(`Problem${r.id}`, {
        type: r.type,
        ...(r.status ? { statusCode: String(r.status) } : {}),
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

  /** Creates a route-backing function with this stack's stage context. */
  private addFunction(id: string, props: { entry: string; service: string }): StockadeFunction {
    const fn = new StockadeFunction(this, id, {
      stageContext: this.stageContext,
      ...props,
      environment: {
        STOCKADE_MAX_BODY_BYTES: String(this.stageContext.config.api.maxBodyBytes),
        STOCKADE_CORS_ORIGINS: this.stageContext.config.api.corsAllowOrigins.join(','),
      },
    });
    Validations.of(fn).acknowledge({
      id: 'Serverless::Serverless-LambdaDLQ',
      reason:
        'Route functions are invoked synchronously by API Gateway (Lambda proxy): the caller gets the error as a problem+json response and there is no asynchronous event to dead-letter.',
    });
    this.functions.push(fn);
    return fn;
  }
}
