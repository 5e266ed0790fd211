import { requestErasure } from '../../shared/domain/privacy/erasure';
import { httpHandler } from '../../shared/http/http-handler';
import { principalOf, requestOriginOf } from '../../shared/http/principal';
import { UserIdPathSchema } from '../../shared/schemas/privacy';
import { erasureRequestDeps } from './root';

const deps = erasureRequestDeps();

/** POST /admin/users/{userId}/erasure: an admin records an erasure request that came by another channel (202). */
export const handler = httpHandler({ path: UserIdPathSchema }, async ({ path, event }) => {
  const { requestedAt } = await requestErasure(deps, {
    customerId: path.userId,
    requestedBy: { kind: 'admin', sub: principalOf(event).sub },
    ...requestOriginOf(event),
  });
  return { status: 202, body: { status: 'accepted', requestedAt }, headers: { 'Cache-Control': 'no-store' } };
});
