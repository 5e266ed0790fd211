import { requestErasure } from '../../shared/domain/privacy/erasure';
import { httpHandler } from '../../shared/http/http-handler';
import { principalOf, requestOriginOf } from '../../shared/http/principal';
import { erasureRequestDeps } from './root';

const deps = erasureRequestDeps();

/** DELETE /me: the customer asks to be erased; recorded and carried out asynchronously (202). */
export const handler = httpHandler({}, async ({ event }) => {
  const { requestedAt } = await requestErasure(deps, {
    customerId: principalOf(event).sub,
    requestedBy: { kind: 'customer' },
    ...requestOriginOf(event),
  });
  return { status: 202, body: { status: 'accepted', requestedAt }, headers: { 'Cache-Control': 'no-store' } };
});
