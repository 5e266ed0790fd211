import { STATUS_CODES } from 'node:http';
import type { GatewayResponseTemplate } from './rest-api-model';
import { dataRecord } from './request-parts';

/**
 * API Gateway's own answer for each gateway response type when the API configures none of that type (status and
 * $context.error.message), from "Gateway response types for API Gateway" in the API Gateway developer guide.
 * INTEGRATION_FAILURE is listed there as 504, but a Lambda proxy integration that fails or returns a malformed
 * response is answered 502 "Internal server error" (AWS knowledge center, "malformed Lambda proxy response"), which
 * is what the emulator plays.
 */
const BUILT_IN_RESPONSES: ReadonlyMap<string, { readonly status: number; readonly message: string }> = new Map([
  ['ACCESS_DENIED', { status: 403, message: 'User is not authorized to access this resource' }],
  ['API_CONFIGURATION_ERROR', { status: 500, message: 'Internal server error' }],
  ['AUTHORIZER_CONFIGURATION_ERROR', { status: 500, message: 'Authorizer configuration error' }],
  ['AUTHORIZER_FAILURE', { status: 500, message: 'Authorizer failure' }],
  ['BAD_REQUEST_PARAMETERS', { status: 400, message: 'Missing required request parameters' }],
  ['BAD_REQUEST_BODY', { status: 400, message: 'Invalid request body' }],
  ['EXPIRED_TOKEN', { status: 403, message: 'The security token included in the request is expired' }],
  ['INTEGRATION_FAILURE', { status: 502, message: 'Internal server error' }],
  ['INTEGRATION_TIMEOUT', { status: 504, message: 'Endpoint request timed out' }],
  ['INVALID_API_KEY', { status: 403, message: 'Forbidden' }],
  ['INVALID_SIGNATURE', { status: 403, message: 'The request signature we calculated does not match the signature you provided' }],
  ['MISSING_AUTHENTICATION_TOKEN', { status: 403, message: 'Missing Authentication Token' }],
  ['QUOTA_EXCEEDED', { status: 429, message: 'Limit Exceeded' }],
  ['REQUEST_TOO_LARGE', { status: 413, message: 'Request Too Long' }],
  ['RESOURCE_NOT_FOUND', { status: 404, message: 'Not Found' }],
  ['THROTTLED', { status: 429, message: 'Too Many Requests' }],
  ['UNAUTHORIZED', { status: 401, message: 'Unauthorized' }],
  ['UNSUPPORTED_MEDIA_TYPE', { status: 415, message: 'Unsupported Media Type' }],
  ['WAF_FILTERED', { status: 403, message: 'Forbidden' }],
  ['DEFAULT_4XX', { status: 400, message: 'Bad Request' }],
  ['DEFAULT_5XX', { status: 500, message: 'Internal server error' }],
]);

/** The $context variables of the request an answer is for (those a gateway response template can use). */
export interface GatewayRequestContext {
  readonly requestId: string;
  /** The request path without the query string, still percent-encoded (see RequestTarget.path). */
  readonly path: string;
  readonly httpMethod?: string;
  readonly stage?: string;
  readonly apiId?: string;
  readonly accountId?: string;
  /** The matched resource, e.g. /products/{productId}; unknown before routing. */
  readonly resourcePath?: string;
  readonly resourceId?: string;
  readonly domainName?: string;
  readonly protocol?: string;
  readonly sourceIp?: string;
  readonly userAgent?: string;
}

/** What the gateway writes: status, headers and body. */
export interface GatewayAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const CONTEXT_VARIABLE = /\$context\.([A-Za-z][A-Za-z0-9.]*)/g;

/**
 * Fills a gateway response template the way API Gateway does: simple substitution of $context variables, no VTL.
 * A dotted name is read as the longest variable it starts with (`$context.path.` is the path and a dot); an unknown
 * variable becomes the empty string. Values are inserted as they are: API Gateway escapes nothing, which is why
 * templates put the message in with $context.error.messageString (already a quoted JSON string) and why every
 * other value the emulator offers (path, ids) is one that holds no quote or backslash.
 */
export function fillTemplate(template: string, variables: ReadonlyMap<string, string>): string {
  return template.replace(CONTEXT_VARIABLE, (_match, dotted: string) => {
    const name = dotted.replace(/\.+$/, '');
    const trailing = dotted.slice(name.length);
    const parts = name.split('.');
    for (let length = parts.length; length > 0; length--) {
      const value = variables.get(parts.slice(0, length).join('.'));
      if (value !== undefined) return [value, ...parts.slice(length)].join('.') + trailing;
    }
    return trailing;
  });
}

function contextVariables(type: string, message: string, context: GatewayRequestContext): Map<string, string> {
  const now = new Date();
  const entries: Array<[string, string | undefined]> = [
    ['error.message', message],
    // "The quoted value of $context.error.message": a JSON string, escaped.
    ['error.messageString', JSON.stringify(message)],
    ['error.responseType', type],
    ['requestId', context.requestId],
    ['extendedRequestId', context.requestId],
    ['path', context.path],
    ['resourcePath', context.resourcePath],
    ['resourceId', context.resourceId],
    ['httpMethod', context.httpMethod],
    ['stage', context.stage],
    ['apiId', context.apiId],
    ['accountId', context.accountId],
    ['domainName', context.domainName],
    ['protocol', context.protocol],
    ['identity.sourceIp', context.sourceIp],
    ['identity.userAgent', context.userAgent],
    ['requestTime', now.toUTCString()],
    ['requestTimeEpoch', String(now.getTime())],
  ];
  return new Map(entries.filter((e): e is [string, string] => e[1] !== undefined));
}

/**
 * The answer for a gateway response of `type`: the API's response of that type, else its DEFAULT_4XX/DEFAULT_5XX
 * (whose status code, when set, replaces the built-in one, as in API Gateway), else API Gateway's built-in
 * `{"message": …}`. `message` overrides the built-in $context.error.message.
 */
export function renderGatewayResponse(
  responses: ReadonlyMap<string, GatewayResponseTemplate>,
  type: string,
  context: GatewayRequestContext,
  message?: string,
): GatewayAnswer {
  const builtIn = BUILT_IN_RESPONSES.get(type) ?? { status: 500, message: 'Internal server error' };
  const text = message ?? builtIn.message;
  const configured = responses.get(type) ?? responses.get(builtIn.status >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX');
  const status = configured?.statusCode ?? builtIn.status;
  const headers = dataRecord<string>();
  if (configured?.template !== undefined) {
    Object.assign(headers, configured.headers);
    headers['Content-Type'] = configured.headers['Content-Type'] ?? 'application/json';
    return { status, headers, body: fillTemplate(configured.template, contextVariables(type, text, context)) };
  }
  Object.assign(headers, configured?.headers);
  headers['Content-Type'] = 'application/json';
  return { status, headers, body: JSON.stringify({ message: text }) };
}

/**
 * The answer for a request API Gateway refuses at its front door, before routing to the API: a header section over
 * its quota, a malformed request. No gateway response type covers these, so the emulator answers in the API's own
 * shape: its DEFAULT_4XX (or DEFAULT_5XX) response filled for the request, with the status it answers and, when
 * the body is a JSON object, its `status` member set to that status (a template can only hard-code one).
 */
export function renderFrontDoorResponse(
  responses: ReadonlyMap<string, GatewayResponseTemplate>,
  status: number,
  context: GatewayRequestContext,
  message = STATUS_CODES[status] ?? 'Error',
): GatewayAnswer {
  const type = status >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX';
  const rendered = renderGatewayResponse(responses, type, context, message);
  let body = rendered.body;
  try {
    const parsed = JSON.parse(body) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = JSON.stringify({ ...parsed, status });
  } catch {
    // Not JSON: the body stays as the API's template made it.
  }
  return { status, headers: rendered.headers, body };
}
