import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';

/**
 * Checks an API response against docs/openapi.json (the document GET /openapi.json serves): the status is documented
 * for the operation, the content type is one the document names for it, and the body matches that schema. The e2e
 * suite runs every response it receives through this (test/setup/e2e-openapi-responses.ts).
 */

type Json = Record<string, unknown>;
interface MediaType {
  readonly schema?: Json;
}
interface ResponseObject {
  readonly content?: Record<string, MediaType>;
}
interface Operation {
  readonly responses: Record<string, ResponseObject>;
}
interface Document {
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components: { readonly schemas: Record<string, Json> };
}

const document = JSON.parse(readFileSync(path.join(__dirname, '../../docs/openapi.json'), 'utf8')) as Document;

interface Route {
  readonly template: string;
  readonly segments: readonly string[];
  readonly params: number;
  readonly methods: Record<string, Operation>;
}

/** Literal paths before templated ones (`/vendor/products/batch` before `/vendor/products/{productId}`). */
const routes: Route[] = Object.entries(document.paths)
  .map(([template, methods]) => ({
    template,
    segments: template.split('/'),
    params: (template.match(/\{/g) ?? []).length,
    methods,
  }))
  .sort((a, b) => a.params - b.params);

/** A `{param}` segment matches any one non-empty segment; others match exactly. */
function matches(template: readonly string[], actual: readonly string[]): boolean {
  return template.length === actual.length && template.every((segment, i) => (segment.startsWith('{') ? (actual[i] ?? '') !== '' : segment === actual[i]));
}

/** The document's schemas with `#/components/schemas/*` references inlined (none is recursive). */
function inlined(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(inlined);
  if (node === null || typeof node !== 'object') return node;
  const ref = (node as { $ref?: unknown }).$ref;
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
    return inlined(document.components.schemas[ref.slice('#/components/schemas/'.length)]);
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inlined(v)]));
}

// Formats are not asserted: zod writes a pattern beside each format it emits, and the pattern is checked.
const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
const validators = new Map<string, ValidateFunction>();

function validatorFor(key: string, schema: Json): ValidateFunction {
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(inlined(schema) as Json);
    validators.set(key, validate);
  }
  return validate;
}

export interface CheckedResponse {
  readonly method: string;
  /** The request path below the API's base URL, without the query string. */
  readonly path: string;
  readonly status: number;
  readonly contentType: string | null;
  readonly text: string;
}

/** The route template and operation of a request, or undefined when the document has none (the gateway's 404). */
export function operationOf(method: string, requestPath: string): { route: string; operation: Operation } | undefined {
  for (const route of routes) {
    if (!matches(route.segments, requestPath.split('/'))) continue;
    const operation = route.methods[method.toLowerCase()];
    if (operation) return { route: `${method.toUpperCase()} ${route.template}`, operation };
  }
  return undefined;
}

/**
 * What is wrong with a response, in one message naming the route, the status and the mismatch; undefined when it is
 * what the document says (or the request matched no documented operation, which the gateway answers on its own).
 */
export function responseProblem(response: CheckedResponse): string | undefined {
  const found = operationOf(response.method, response.path);
  if (!found) return undefined;
  const { route, operation } = found;
  const where = `${route} (${response.method} ${response.path}) answered ${response.status}`;
  const documented = operation.responses[String(response.status)] ?? operation.responses.default;
  if (!documented) return `${where}, a status the OpenAPI document does not list for it (documented: ${Object.keys(operation.responses).join(', ')})`;
  const mediaType = (response.contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const content = documented.content ?? {};
  const mediaTypes = Object.keys(content);
  if (mediaTypes.length === 0) {
    return response.text.length === 0 ? undefined : `${where} with a body, where the document says it has none: ${response.text.slice(0, 200)}`;
  }
  const media = content[mediaType];
  if (!media) return `${where} as ${mediaType || 'no content type'}, where the document says ${mediaTypes.join(' or ')}`;
  if (!media.schema) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    return `${where} with a body that is not JSON: ${response.text.slice(0, 200)}`;
  }
  const validate = validatorFor(`${route} ${response.status} ${mediaType}`, media.schema);
  if (validate(body)) return undefined;
  const errors = (validate.errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '(body)'} ${e.message ?? ''}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''}`)
    .join('; ');
  return `${where} with a ${mediaType} body that does not match the document's schema: ${errors}. Body: ${response.text.slice(0, 300)}`;
}

const recorded: string[] = [];

/** Checks a response and keeps what is wrong with it for the e2e setup to report after the test. */
export function recordResponse(response: CheckedResponse): void {
  const problem = responseProblem(response);
  if (problem) recorded.push(problem);
}

/** The problems recorded since the last call. */
export function takeRecordedProblems(): string[] {
  return recorded.splice(0);
}
