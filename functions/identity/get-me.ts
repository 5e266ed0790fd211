import { httpHandler } from '../../shared/http/http-handler';
import { principalOf } from '../../shared/http/principal';
import type { MeResponse } from '../../shared/schemas/identity';

/** GET /me: the verified caller (subject, groups, whether this session signed in with MFA). */
export const handler = httpHandler({}, async ({ event }) => {
  const { sub, groups, mfa } = principalOf(event);
  const body: MeResponse = { sub, groups: [...groups], mfa };
  return { status: 200, body, headers: { 'Cache-Control': 'no-store' } };
});
