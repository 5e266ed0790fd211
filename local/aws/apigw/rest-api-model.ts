import type { CloudAssembly, TemplateResource } from '../../runtime/assembly';
import type { IntrinsicResolver } from '../../runtime/intrinsics';
import type { LambdaService } from '../lambda/lambda-service';
import type { LocalFunction } from '../lambda/local-function';
import type { ThrottleSettings } from './edge-checks';

/** One method of the synthesized REST API. */
export interface ApiRoute {
  readonly httpMethod: string;
  /** Resource path template, e.g. /products/{productId}. */
  readonly resourcePath: string;
  readonly resourceLogicalId: string;
  readonly integration:
    | {
        readonly kind: 'lambda-proxy';
        readonly functionLogicalId: string;
        /** The alias the URI invokes (`function:NAME:live`), when it names one rather than the function. */
        readonly qualifier?: string;
        readonly timeoutMs: number;
      }
    | { readonly kind: 'mock'; readonly statusCode: number; readonly headers: Record<string, string> };
  /** NONE, CUSTOM (Lambda authorizer), COGNITO_USER_POOLS, AWS_IAM. */
  readonly authorizationType: string;
  readonly authorizerLogicalId?: string;
  /** Request parameters the method marks as required, checked when its validator validates parameters. */
  readonly requiredHeaders: readonly string[];
  readonly requiredQuery: readonly string[];
  /** The JSON Schema (draft 4) of the method's application/json request model, when its validator validates bodies. */
  readonly bodyModel?: Record<string, unknown>;
}

export interface GatewayResponseTemplate {
  readonly statusCode?: number;
  readonly template?: string;
  readonly headers: Record<string, string>;
}

/** The REST API of a stage, read from the template: routes, stage name and gateway responses. */
export interface RestApiModel {
  readonly restApiLogicalId: string;
  readonly stackName: string;
  readonly stageName: string;
  readonly routes: readonly ApiRoute[];
  readonly gatewayResponses: ReadonlyMap<string, GatewayResponseTemplate>;
  /** The stage's throttle for every method (`/*`, `*` method settings), when it sets one. */
  readonly throttle?: ThrottleSettings;
}

function refOf(value: unknown): string | undefined {
  if (value && typeof value === 'object' && 'Ref' in value) return String((value as { Ref: unknown }).Ref);
  return undefined;
}

function getAttOf(value: unknown): [string, string] | undefined {
  if (value && typeof value === 'object' && 'Fn::GetAtt' in value) {
    const arg = (value as { 'Fn::GetAtt': unknown })['Fn::GetAtt'];
    const [id, attr] = Array.isArray(arg) ? (arg as string[]) : String(arg).split('.');
    return [String(id), String(attr)];
  }
  return undefined;
}

/** A Lambda function a URI invokes: the function's logical id, and the alias when the URI names one. */
export interface LambdaTarget {
  readonly functionLogicalId: string;
  readonly qualifier?: string;
}

/**
 * Finds the Lambda function an integration or authorizer URI points at: `Fn::GetAtt [Function, Arn]` somewhere inside
 * it (the unqualified function), or a `Ref` to an AWS::Lambda::Alias (its Ref is the alias ARN, `function:NAME:ALIAS`),
 * whose FunctionName names the function. The function may be another stack's, as the Api stack invokes the aliases of
 * the ApiFunctions stack: a cross-stack reference (`Fn::GetStackOutput`, `Fn::ImportValue`) is followed to the
 * producing stack's output.
 */
export function lambdaTargetInUri(assembly: CloudAssembly, stackName: string, uri: unknown): LambdaTarget | undefined {
  const inStack = (type: string, stack: string) => assembly.resourcesOfType(type).filter((r) => r.stackName === stack);
  const visit = (value: unknown, stack: string): LambdaTarget | undefined => {
    const functions = new Set(inStack('AWS::Lambda::Function', stack).map((f) => f.logicalId));
    const att = getAttOf(value);
    if (att && functions.has(att[0]) && att[1] === 'Arn') return { functionLogicalId: att[0] };
    const alias = inStack('AWS::Lambda::Alias', stack).find((a) => a.logicalId === refOf(value));
    if (alias) {
      const fn = refOf(alias.properties.FunctionName) ?? getAttOf(alias.properties.FunctionName)?.[0];
      if (fn && functions.has(fn)) return { functionLogicalId: fn, qualifier: String(alias.properties.Name) };
    }
    const produced = crossStackOutput(assembly, value);
    if (produced) return visit(produced.value, produced.stackName);
    for (const item of Array.isArray(value) ? value : value && typeof value === 'object' ? Object.values(value) : []) {
      const found = visit(item, stack);
      if (found) return found;
    }
    return undefined;
  };
  return visit(uri, stackName);
}

/** The output a cross-stack reference (`Fn::GetStackOutput` or `Fn::ImportValue` of a literal name) reads, and its stack. */
function crossStackOutput(assembly: CloudAssembly, value: unknown): { stackName: string; value: unknown } | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as { 'Fn::GetStackOutput'?: { StackName?: unknown; OutputName?: unknown }; 'Fn::ImportValue'?: unknown };
  const output = v['Fn::GetStackOutput'];
  if (output && typeof output.StackName === 'string' && typeof output.OutputName === 'string') {
    const stack = assembly.stacks.find((s) => s.stackName === output.StackName);
    const found = stack?.outputs[output.OutputName];
    return stack && found ? { stackName: stack.stackName, value: found.Value } : undefined;
  }
  const name = v['Fn::ImportValue'];
  if (typeof name === 'string') {
    for (const stack of assembly.stacks) {
      const found = Object.values(stack.outputs).find((o) => o.Export?.Name === name);
      if (found) return { stackName: stack.stackName, value: found.Value };
    }
  }
  return undefined;
}

/** The function a URI's target invokes: through its alias, as API Gateway invokes a qualified ARN, when it names one. */
export function invocationTarget(lambdas: LambdaService, target: LambdaTarget): LocalFunction {
  const fn = lambdas.get(target.functionLogicalId);
  return target.qualifier === undefined ? fn : lambdas.byName(`${fn.definition.arn}:${target.qualifier}`);
}

/** Reads every AWS::ApiGateway::RestApi of the assembly into route models. */
export function readRestApis(assembly: CloudAssembly, resolver: IntrinsicResolver): RestApiModel[] {
  return assembly.resourcesOfType('AWS::ApiGateway::RestApi').map((api) => {
    const inStack = (type: string) =>
      assembly.resourcesOfType(type).filter((r) => r.stackName === api.stackName && refOf(r.properties.RestApiId) === api.logicalId);
    const resources = new Map(inStack('AWS::ApiGateway::Resource').map((r) => [r.logicalId, r]));

    const pathOf = (resourceId: unknown): { path: string; logicalId: string } => {
      const att = getAttOf(resourceId);
      if (att && att[0] === api.logicalId && att[1] === 'RootResourceId') return { path: '/', logicalId: 'root' };
      const id = refOf(resourceId);
      const resource = id ? resources.get(id) : undefined;
      if (!id || !resource) throw new Error(`Unresolvable API resource ${JSON.stringify(resourceId)} in ${api.stackName}`);
      const parent = pathOf(resource.properties.ParentId).path;
      return { path: `${parent === '/' ? '' : parent}/${String(resource.properties.PathPart)}`, logicalId: id };
    };

    const validators = new Map(
      inStack('AWS::ApiGateway::RequestValidator').map((v) => [
        v.logicalId,
        { parameters: v.properties.ValidateRequestParameters === true, body: v.properties.ValidateRequestBody === true },
      ]),
    );
    const models = new Map(inStack('AWS::ApiGateway::Model').map((m) => [m.logicalId, m.properties.Schema as Record<string, unknown>]));

    const routes: ApiRoute[] = inStack('AWS::ApiGateway::Method').map((method: TemplateResource) => {
      const p = method.properties;
      const { path, logicalId } = pathOf(p.ResourceId);
      const integration = (p.Integration ?? {}) as {
        Type?: string;
        Uri?: unknown;
        TimeoutInMillis?: number;
        IntegrationResponses?: Array<{ StatusCode?: string; ResponseParameters?: Record<string, string> }>;
      };
      let routeIntegration: ApiRoute['integration'];
      if (integration.Type === 'AWS_PROXY') {
        const target = lambdaTargetInUri(assembly, method.stackName, integration.Uri);
        if (!target) throw new Error(`${method.logicalId}: AWS_PROXY integration whose URI names no function of the template`);
        routeIntegration = { kind: 'lambda-proxy', ...target, timeoutMs: integration.TimeoutInMillis ?? 29_000 };
      } else if (integration.Type === 'MOCK') {
        const response = integration.IntegrationResponses?.[0];
        const headers: Record<string, string> = {};
        for (const [key, value] of Object.entries(response?.ResponseParameters ?? {})) {
          const header = key.replace(/^method\.response\.header\./, '');
          headers[header] = String(resolver.resolve(value, method.stackName)).replace(/^'(.*)'$/, '$1');
        }
        routeIntegration = { kind: 'mock', statusCode: Number(response?.StatusCode ?? 200), headers };
      } else {
        throw new Error(`${method.logicalId}: integration type ${String(integration.Type)} is not emulated locally`);
      }
      const validatorId = refOf(p.RequestValidatorId);
      const validator = validatorId ? validators.get(validatorId) : undefined;
      const validates = validator?.parameters === true;
      const modelId = refOf(((p.RequestModels ?? {}) as Record<string, unknown>)['application/json']);
      const bodyModel = validator?.body && modelId ? models.get(modelId) : undefined;
      const required = Object.entries((p.RequestParameters ?? {}) as Record<string, boolean>).filter(([, isRequired]) => isRequired === true && validates);
      return {
        httpMethod: String(p.HttpMethod).toUpperCase(),
        resourcePath: path,
        resourceLogicalId: logicalId,
        integration: routeIntegration,
        authorizationType: String(p.AuthorizationType ?? 'NONE'),
        ...(refOf(p.AuthorizerId) ? { authorizerLogicalId: refOf(p.AuthorizerId) } : {}),
        requiredHeaders: required.filter(([k]) => k.startsWith('method.request.header.')).map(([k]) => k.slice('method.request.header.'.length)),
        requiredQuery: required.filter(([k]) => k.startsWith('method.request.querystring.')).map(([k]) => k.slice('method.request.querystring.'.length)),
        ...(bodyModel ? { bodyModel } : {}),
      };
    });

    const stage = assembly
      .resourcesOfType('AWS::ApiGateway::Stage')
      .find((s) => s.stackName === api.stackName && refOf(s.properties.RestApiId) === api.logicalId);
    const gatewayResponses = new Map<string, GatewayResponseTemplate>();
    for (const gr of inStack('AWS::ApiGateway::GatewayResponse')) {
      const props = resolver.resolve(gr.properties, gr.stackName) as {
        ResponseType: string;
        StatusCode?: string;
        ResponseTemplates?: Record<string, string>;
        ResponseParameters?: Record<string, string>;
      };
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(props.ResponseParameters ?? {})) {
        headers[key.replace(/^gatewayresponse\.header\./, '')] = String(value).replace(/^'(.*)'$/, '$1');
      }
      gatewayResponses.set(props.ResponseType, {
        ...(props.StatusCode ? { statusCode: Number(props.StatusCode) } : {}),
        ...(props.ResponseTemplates?.['application/json'] ? { template: props.ResponseTemplates['application/json'] } : {}),
        headers,
      });
    }
    const throttle = stageThrottle(stage?.properties.MethodSettings);
    return {
      restApiLogicalId: api.logicalId,
      stackName: api.stackName,
      stageName: String(stage?.properties.StageName ?? 'prod'),
      routes,
      gatewayResponses,
      ...(throttle ? { throttle } : {}),
    };
  });
}

/** The throttle of the stage's method settings for every resource and method (`/*`, `*`). */
function stageThrottle(methodSettings: unknown): ThrottleSettings | undefined {
  if (!Array.isArray(methodSettings)) return undefined;
  const all = (methodSettings as Array<Record<string, unknown>>).find((m) => m.ResourcePath === '/*' && m.HttpMethod === '*');
  const rateLimit = Number(all?.ThrottlingRateLimit);
  const burstLimit = Number(all?.ThrottlingBurstLimit);
  return Number.isFinite(rateLimit) && Number.isFinite(burstLimit) && rateLimit > 0 ? { rateLimit, burstLimit } : undefined;
}
