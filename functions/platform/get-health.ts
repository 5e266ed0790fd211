import { httpHandler } from '../../shared/http/http-handler';
import type { HealthResponse } from '../../shared/schemas/platform';

/** GET /health: liveness of the API path (gateway, authorizer bypass, function). */
export const handler = httpHandler({}, async () => {
  const body: HealthResponse = { status: 'ok' };
  return { status: 200, body, headers: { 'Cache-Control': 'no-store' } };
});
