import { listSwitches } from '../../shared/domain/operations/switches';
import { httpHandler } from '../../shared/http/http-handler';
import type { SwitchList } from '../../shared/schemas/switches';
import { switchCacheSeconds, switchStore } from './root';

const deps = { store: switchStore() };
const cacheSeconds = switchCacheSeconds();

/** GET /admin/switches: every mitigation switch, as SSM holds it now, and how long a flip takes to act. */
export const handler = httpHandler({}, async () => {
  const body: SwitchList = { switches: await listSwitches(deps), cacheSeconds };
  return { status: 200, body, headers: { 'Cache-Control': 'no-store' } };
});
