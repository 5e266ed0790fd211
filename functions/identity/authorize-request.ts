import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { decideAccess, principalFrom, type Principal } from '../../shared/domain/access/access-policy';
import { authorizerHandler, type RequestAuthorizerEvent, UNAUTHORIZED } from '../../shared/handlers/authorizer-handler';
import { logger } from '../../shared/observability/powertools';
import { accessPolicy, accessTokenVerifier, denialAuditor, now } from './root';

// Created once per cold start: the verifier caches the pool's key set across invocations.
const policyConfig = accessPolicy();
const verifier = accessTokenVerifier(policyConfig.accessTokenMaxAgeSeconds);
const denials = denialAuditor();

/**
 * The REST API's Lambda authorizer: verifies the bearer access token, then applies the route matrix and its
 * attribute conditions (shared/domain/access). No token or a bad one: 401. Known caller, not allowed: 403.
 * Handlers receive sub, groups and MFA evidence in requestContext.authorizer. Denials are audited, at most one per
 * caller and minute (DenialAuditor), within a bounded time; an allowed request never waits for the audit trail.
 */
async function authorize(event: RequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  const route = `${event.httpMethod} ${event.resource}`;
  const principal = await verifiedPrincipal(headerValue(event.headers, 'authorization'));
  const decision = decideAccess(route, principal, { sourceIp: event.requestContext.identity.sourceIp, at: now() }, policyConfig);
  logger.info('Authorization decision', {
    route,
    sub: principal?.sub,
    effect: decision.effect,
    ...(decision.effect === 'deny' ? { reason: decision.reason } : {}),
  });
  if (decision.effect === 'deny') {
    const audit = await denials.record({
      sub: principal?.sub,
      sourceIp: event.requestContext.identity.sourceIp,
      requestId: event.requestContext.requestId,
      route,
      status: decision.status,
      reason: decision.reason,
    });
    // A denial the trail could not take is logged and the request answered anyway: auditing never fails the authorizer.
    if (audit === 'failed') logger.warn('Denial not audited', { route, sub: principal?.sub });
    // API Gateway answers 401 when the authorizer fails with exactly this message.
    if (decision.status === 401) throw new Error(UNAUTHORIZED);
  }
  return {
    principalId: principal?.sub ?? 'anonymous',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: decision.effect === 'allow' ? 'Allow' : 'Deny', Resource: event.methodArn }],
    },
    context: principal
      ? { sub: principal.sub, groups: principal.groups.join(','), mfa: String(principal.mfa), ...(principal.email ? { email: principal.email } : {}) }
      : {},
  };
}

/** Header names are case-insensitive (RFC 9110), and API Gateway passes them to the authorizer as the client sent them. */
function headerValue(headers: RequestAuthorizerEvent['headers'], lowerCaseName: string): string | undefined {
  if (!headers) return undefined;
  const name = Object.keys(headers).find((k) => k.toLowerCase() === lowerCaseName);
  return name === undefined ? undefined : (headers[name] ?? undefined);
}

async function verifiedPrincipal(header: string | undefined): Promise<Principal | undefined> {
  const match = /^Bearer ([A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]*)$/.exec(header ?? '');
  if (!match?.[1]) return undefined;
  try {
    return principalFrom(await verifier.verify(match[1]));
  } catch (error) {
    // The reason (expired, bad signature, wrong client) is logged; the token itself never is.
    logger.info('Access token rejected', { reason: (error as Error).constructor.name });
    return undefined;
  }
}

export const handler = authorizerHandler(authorize);
