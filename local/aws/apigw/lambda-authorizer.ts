import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { CloudAssembly } from '../../runtime/assembly';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../../runtime/intrinsics';
import type { LambdaService } from '../lambda/lambda-service';
import { type ApiRoute, invocationTarget, type LambdaTarget, lambdaTargetInUri, type RestApiModel } from './rest-api-model';
import type { AuthorizerDecision, RouteAuthorizer } from './rest-api-server';
import { dataRecord, headerValue } from './request-parts';

interface AuthorizerDefinition {
  /** The function (or its alias) the authorizer's URI invokes. */
  readonly target: LambdaTarget;
  readonly type: 'REQUEST' | 'TOKEN';
  /**
   * Header names of the identity source; a request missing one (or sending it empty) is refused with 401 before the
   * function runs. Header names are case-insensitive: `AUTHORIZATION` satisfies `Authorization`.
   */
  readonly headers: readonly string[];
}

interface PolicyStatement {
  Effect?: string;
  Action?: string | string[];
  Resource?: string | string[];
}

/**
 * API Gateway's Lambda authorizers from the template (AWS::ApiGateway::Authorizer): identity-source check,
 * invocation with the REQUEST (or TOKEN) event, 'Unauthorized' -> 401, any other failure -> 500, and the returned
 * IAM policy evaluated against the method ARN (an explicit Deny wins) -> 403 unless allowed. Results are not cached.
 */
export function lambdaAuthorizer(assembly: CloudAssembly, model: RestApiModel, lambdas: LambdaService): RouteAuthorizer {
  const definitions = new Map<string, AuthorizerDefinition>();
  for (const resource of assembly.resourcesOfType('AWS::ApiGateway::Authorizer').filter((a) => a.stackName === model.stackName)) {
    const p = resource.properties as { Type?: string; AuthorizerUri?: unknown; IdentitySource?: string };
    const target = lambdaTargetInUri(assembly, resource.stackName, p.AuthorizerUri);
    if (!target) throw new Error(`${resource.logicalId}: authorizer whose URI names no function of the template`);
    const headers = String(p.IdentitySource ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.startsWith('method.request.header.'))
      .map((s) => s.slice('method.request.header.'.length));
    definitions.set(resource.logicalId, { target, type: p.Type === 'TOKEN' ? 'TOKEN' : 'REQUEST', headers });
  }

  return async (route: ApiRoute, event: APIGatewayProxyEvent): Promise<AuthorizerDecision> => {
    const definition = route.authorizerLogicalId ? definitions.get(route.authorizerLogicalId) : undefined;
    if (!definition) return { allow: false, responseType: 'AUTHORIZER_CONFIGURATION_ERROR' };
    const header = (name: string) => headerValue(event.headers as Record<string, string> | null, name);
    if (definition.headers.some((h) => !header(h))) return { allow: false, responseType: 'UNAUTHORIZED' };

    const { requestContext } = event;
    const methodArn = `arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${requestContext.apiId}/${requestContext.stage}/${event.httpMethod}${event.path}`;
    const authorizerEvent =
      definition.type === 'TOKEN'
        ? { type: 'TOKEN', methodArn, authorizationToken: header(definition.headers[0] ?? 'Authorization') }
        : {
            type: 'REQUEST',
            methodArn,
            resource: event.resource,
            path: event.path,
            httpMethod: event.httpMethod,
            headers: event.headers,
            multiValueHeaders: event.multiValueHeaders,
            queryStringParameters: event.queryStringParameters,
            multiValueQueryStringParameters: event.multiValueQueryStringParameters,
            pathParameters: event.pathParameters,
            stageVariables: event.stageVariables,
            requestContext,
          };
    const outcome = await invocationTarget(lambdas, definition.target).invoke(authorizerEvent);
    if (!outcome.ok) return { allow: false, responseType: outcome.error.errorMessage === 'Unauthorized' ? 'UNAUTHORIZED' : 'AUTHORIZER_FAILURE' };

    const result = outcome.value as { principalId?: unknown; policyDocument?: { Statement?: PolicyStatement[] }; context?: Record<string, unknown> } | null;
    const statements = (result?.policyDocument?.Statement ?? []).filter(
      (s) => actions(s).some((a) => matches(a, 'execute-api:Invoke')) && resources(s).some((r) => matches(r, methodArn)),
    );
    if (typeof result?.principalId !== 'string' || !result.policyDocument) return { allow: false, responseType: 'AUTHORIZER_FAILURE' };
    if (statements.some((s) => s.Effect === 'Deny') || !statements.some((s) => s.Effect === 'Allow')) return { allow: false, responseType: 'ACCESS_DENIED' };
    const context = dataRecord<string | number | boolean>();
    for (const [k, v] of Object.entries(result.context ?? {})) {
      // API Gateway accepts only scalar context values; anything else fails the authorizer.
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return { allow: false, responseType: 'AUTHORIZER_FAILURE' };
      context[k] = v;
    }
    return { allow: true, principalId: result.principalId, context };
  };
}

const actions = (s: PolicyStatement) => [s.Action ?? []].flat();
const resources = (s: PolicyStatement) => [s.Resource ?? []].flat();

/** IAM-style matching with * and ? wildcards. */
function matches(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let star = -1;
  let mark = 0;
  while (v < value.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === value[v])) {
      p++;
      v++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = v;
    } else if (star >= 0) {
      p = star + 1;
      v = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
