/**
 * e2e setup (setupFilesAfterEnv): every response of the local API that a test receives through fetch (the apiCaller
 * of test/support/api.ts and direct fetch calls alike, and rawHttp's answers off the wire) is checked against docs/openapi.json; a test whose requests
 * got an undocumented status, content type or body fails after it, with the route, status and mismatch named.
 * Requests no documented operation matches (the gateway's own 404 for unknown paths) are not checked.
 */
import { readFileSync } from 'node:fs';
import { type CheckedResponse, recordResponse, takeRecordedProblems } from '../support/openapi-responses';

const endpointsFile = process.env.STOCKADE_ENDPOINTS;
const apiUrl = endpointsFile ? (JSON.parse(readFileSync(endpointsFile, 'utf8')) as { apiUrl: string }).apiUrl.replace(/\/$/, '') : undefined;
const pending = new Set<Promise<void>>();

if (apiUrl) {
  const base = new URL(apiUrl);
  const basePath = base.pathname.replace(/\/$/, '');
  const originalFetch = globalThis.fetch;
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const response = await originalFetch(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.origin !== base.origin || !url.pathname.startsWith(basePath)) return response;
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const check = response
      .clone()
      .text()
      .then((text) => {
        const checked: CheckedResponse = {
          method,
          path: url.pathname.slice(basePath.length) || '/',
          status: response.status,
          contentType: response.headers.get('content-type'),
          text,
        };
        recordResponse(checked);
      })
      // A body the test aborted or never finished reading cannot be checked; nothing to report.
      .catch(() => undefined);
    pending.add(check);
    void check.finally(() => pending.delete(check));
    return response;
  };
}

async function reportProblems(): Promise<void> {
  await Promise.all([...pending]);
  const found = takeRecordedProblems();
  if (found.length > 0) {
    const unique = [...new Set(found)];
    throw new Error(`${found.length} response(s) do not match docs/openapi.json:\n${unique.slice(0, 20).join('\n')}`);
  }
}

afterEach(reportProblems);
afterAll(reportProblems);
