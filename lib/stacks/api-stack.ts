import { Stack, type StackProps } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  Cors,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RequestValidator,
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
    this.firewall = new ApiFirewall(this, 'Firewall', { stageContext: this.stageContext, stageArn: this.api.deploymentStage.stageArn });

    const health = this.addFunction('GetHealth', { entry: 'platform/get-health', service: 'platform' });
    this.api.root.addResource('health').addMethod('GET', new LambdaIntegration(health), { requestValidator: this.requestValidator });
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
    this.functions.push(fn);
    return fn;
  }
}
