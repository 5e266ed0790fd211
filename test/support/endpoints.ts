import { readFileSync } from 'node:fs';
import type { Endpoints } from '../../local/runtime';

export { localCredentials } from '../../local/services/credentials';

/** The endpoints of the runtime the global setup started. */
export function testEndpoints(): Endpoints {
  const file = process.env.STOCKADE_ENDPOINTS;
  if (!file) throw new Error('STOCKADE_ENDPOINTS is not set: run this test through its jest project (integration or e2e)');
  return JSON.parse(readFileSync(file, 'utf8')) as Endpoints;
}
