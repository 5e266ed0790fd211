import { flipSwitch } from '../../shared/domain/operations/switches';
import { httpHandler } from '../../shared/http/http-handler';
import { auditActorOf } from '../../shared/http/principal';
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
  const view = await flipSwitch(deps, auditActorOf(event), path.name, {
    on: body.on,
    reason: body.reason,
    ...(body.providers ? { providers: body.providers } : {}),
  });
  return { status: 200, body: view, headers: { 'Cache-Control': 'no-store' } };
});
