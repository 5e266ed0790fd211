import { readFileSync } from 'node:fs';
import { httpHandler } from '../../shared/http/http-handler';

// The committed document (npm run openapi writes it; a unit test fails when it is stale), shipped as a file beside the
// bundle (lib/stacks/api-functions-stack.ts): the function serves exactly that file's document, without carrying the
// schemas and zod's JSON Schema writer to rebuild it, and reading and parsing it at cold start costs less than
// compiling it as an object literal in the bundle would.
// eslint-disable-next-line security/detect-non-literal-fs-filename -- a fixed name resolved against the bundle's own URL
const document: unknown = JSON.parse(readFileSync(new URL('./openapi.json', import.meta.url), 'utf8'));

/** GET /openapi.json: the API's OpenAPI 3.1 document (public). */
export const handler = httpHandler({}, async () => ({ status: 200, body: document, headers: { 'Cache-Control': 'public, max-age=300' } }));
