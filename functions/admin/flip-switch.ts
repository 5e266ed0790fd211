import { flipSwitch } from '../../shared/domain/operations/switches';
import { httpHandler } from '../../shared/http/http-handler';
import { principalOf } from '../../shared/http/principal';
import { SwitchFlipBodySchema, SwitchNamePathSchema } from '../../shared/schemas/switches';
import { auditLog, now, switchProviders, switchStore } from './root';

const deps = {
  store: switchStore(),
  audit: auditLog(),
  now,
  knownProviders: switchProviders(),
};

/** PUT /admin/switches/{name}: turns a mitigation switch on or off, `200` with the switch as it now is. Audited. */
export const handler = httpHandler({ path: SwitchNamePathSchema, body: SwitchFlipBodySchema }, async ({ path, body, event }) => {
  const sourceIp = event.requestContext?.identity?.sourceIp;
  const requestId = event.requestContext?.requestId;
  const actor = { sub: principalOf(event).sub, ...(sourceIp ? { sourceIp } : {}), ...(requestId ? { requestId } : {}) };
  const view = await flipSwitch(deps, actor, path.name, { on: body.on, reason: body.reason, ...(body.providers ? { providers: body.providers } : {}) });
  return { status: 200, body: view, headers: { 'Cache-Control': 'no-store' } };
});
