import { httpHandler } from '../../shared/http/http-handler';

// The committed document (npm run openapi writes it; a unit test fails when it is stale), shipped as a file beside the
// bundle (lib/stacks/api-functions-stack.ts): the function serves exactly that file's document, without carrying the
// schemas and zod's JSON Schema writer to rebuild it, and reading and parsing it at cold start costs less than
// compiling it as an object literal in the bundle would. node:fs is taken the way
// shared/observability/source-mapped-stacks.ts takes it, not imported as an ES module: the module namespace Node
// builds for that import costs more than the read itself.
const { readFileSync } = process.getBuiltinModule('node:fs');
const document: unknown = JSON.parse(readFileSync(new URL('./openapi.json', import.meta.url), 'utf8'));

/** GET /openapi.json: the API's OpenAPI 3.1 document (public). */
export const handler = httpHandler({}, async () => ({ status: 200, body: document, headers: { 'Cache-Control': 'public, max-age=300' } }));
