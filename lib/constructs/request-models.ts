import { type JsonSchema, JsonSchemaVersion } from 'aws-cdk-lib/aws-apigateway';
import type { RouteSchemas } from '../../shared/schemas/routes';
import * as z from '../../shared/validation/zod';

/**
 * The API Gateway request model of a route's body: its zod schema (shared/schemas/routes.ts, the one the handler
 * validates with) as JSON Schema draft 4, the version API Gateway models use. Undefined when the edge must not
 * validate the body:
 * - webhooks: their body is verified raw, signature first, and never parsed before that;
 * - bodies the handler accepts when absent (`{}` passes the schema, e.g. POST /checkout of the whole cart): API
 *   Gateway refuses an empty body against a model, and the edge must never refuse what the handler accepts.
 * What JSON Schema cannot say (a trimmed length, "at least one field") stays with the handler; the model is never
 * stricter than the schema it comes from, because it is generated from it for the input side (`io: 'input'`).
 */
export function requestModelSchema(schemas: RouteSchemas | undefined): JsonSchema | undefined {
  if (!schemas?.body || schemas.webhook || schemas.body.safeParse({}).success) return undefined;
  const generated = z.toJSONSchema(schemas.body, { target: 'draft-04', io: 'input', unrepresentable: 'throw' }) as Record<string, unknown>;
  return toCdkJsonSchema(generated) as JsonSchema;
}

/** Keywords whose value maps names chosen by the schema's author (property names) to schemas. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', 'dependencies']);

/**
 * CDK spells `$schema` and `$ref` as `schema` and `ref` (it writes them back with the `$`). `default` is dropped: it
 * documents the handler's behaviour and validates nothing. Property names are kept as they are.
 */
function toCdkJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toCdkJsonSchema);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(node)) {
    if (key === '$schema') out.schema = JsonSchemaVersion.DRAFT4;
    else if (key === '$ref') out.ref = inner;
    else if (key === 'default') continue;
    else if (SCHEMA_MAPS.has(key) && inner && typeof inner === 'object' && !Array.isArray(inner)) {
      out[key] = Object.fromEntries(Object.entries(inner).map(([name, schema]) => [name, toCdkJsonSchema(schema)]));
    } else out[key] = toCdkJsonSchema(inner);
  }
  return out;
}
