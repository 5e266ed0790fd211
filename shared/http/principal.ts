import type { APIGatewayProxyEvent } from 'aws-lambda';
import { knownGroups, type Principal } from '../domain/access/access-policy';
import { UnauthorizedError } from '../domain/errors';
import type { AuditActor, RequestOrigin } from '../ports/audit-log';

/** The caller the authorizer verified, from requestContext.authorizer; a member route without one is a bug. */
export function principalOf(event: APIGatewayProxyEvent): Principal {
  const context = event.requestContext.authorizer as Record<string, unknown> | null | undefined;
  const sub = context?.sub;
  if (typeof sub !== 'string' || sub.length === 0) throw new UnauthorizedError('No verified identity');
  const email = context?.email;
  return {
    sub,
    groups: knownGroups(String(context?.groups ?? '').split(',')),
    mfa: context?.mfa === 'true',
    ...(typeof email === 'string' && email.length > 0 ? { email } : {}),
  };
}

/** Where the request came from, for the audit trail: the caller's address and API Gateway's request id. */
export function requestOriginOf(event: APIGatewayProxyEvent): RequestOrigin {
  const sourceIp = event.requestContext?.identity?.sourceIp;
  const requestId = event.requestContext?.requestId;
  return { ...(sourceIp ? { sourceIp } : {}), ...(requestId ? { requestId } : {}) };
}

/** The verified caller as the audit trail names them: their sub, address and the request id. */
export function auditActorOf(event: APIGatewayProxyEvent): AuditActor {
  return { sub: principalOf(event).sub, ...requestOriginOf(event) };
}
