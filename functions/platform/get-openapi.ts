import { httpHandler } from '../../shared/http/http-handler';
// The committed document (npm run openapi writes it; a unit test fails when it is stale), bundled as data: the
// function serves exactly the file, without carrying the schemas and zod's JSON Schema writer to rebuild it.
import document from '../../docs/openapi.json';

/** GET /openapi.json: the API's OpenAPI 3.1 document (public). */
export const handler = httpHandler({}, async () => ({ status: 200, body: document, headers: { 'Cache-Control': 'public, max-age=300' } }));
