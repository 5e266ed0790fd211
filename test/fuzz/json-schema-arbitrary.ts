import fc from 'fast-check';
import * as z from '../../shared/validation/zod';
import { hostileJsonValue, jsonText, objectOf, PROTOTYPE_KEYS, RawJson, UNICODE_STRINGS } from './hostile';

/**
 * Arbitraries driven by the API's own zod schemas: each schema goes through zod 4's `z.toJSONSchema` (input side:
 * what a client sends) and the JSON Schema drives fast-check. So the fuzzer follows the schemas as they change and
 * never holds a copy of them. `schemaValue` makes values the schema accepts (often carrying the request's marker
 * placeholder in its strings); `schemaMutant` breaks them in a few places.
 */

/** The subset of JSON Schema (draft 2020-12) that z.toJSONSchema emits for the API's schemas. */
export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly items?: JsonSchema;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly format?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly allOf?: readonly JsonSchema[];
}

export function jsonSchemaOf(schema: z.ZodMiniType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

export interface SchemaArbitraryOptions {
  /**
   * Put into generated strings wherever the schema still accepts them, so what a request writes can be found
   * again. Same length as the marker that replaces it at send time.
   */
  readonly placeholder?: string;
  /** Arrays are kept short (the schema's limits are probed by the mutants). @default 3 */
  readonly maxArrayItems?: number;
  /** Strings carry the placeholder wherever the schema accepts it, always rather than mostly. @default false */
  readonly placeholderAlways?: boolean;
}

const MAX_STRING = 60;

function stringArbitrary(schema: JsonSchema, options: SchemaArbitraryOptions): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = Math.max(min, Math.min(schema.maxLength ?? MAX_STRING, MAX_STRING));
  // The patterns are the API's own zod regexes, as z.toJSONSchema wrote them out.
  // eslint-disable-next-line security/detect-non-literal-regexp
  const pattern = schema.pattern === undefined ? undefined : new RegExp(schema.pattern);
  let base: fc.Arbitrary<string>;
  if (schema.format === 'date-time') {
    base = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString());
  } else if (pattern) {
    base = fc.stringMatching(pattern).filter((s) => s.length >= min && s.length <= (schema.maxLength ?? Infinity));
  } else {
    const fits = UNICODE_STRINGS.filter((s) => s.length >= min && s.length <= max && s.trim().length > 0);
    base = fc.oneof(
      { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: Math.max(min, 1), maxLength: max }) },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: Math.max(min, 1), maxLength: max }) },
      ...(fits.length ? [{ weight: 1, arbitrary: fc.constantFrom(...fits) }] : []),
    );
  }
  const placeholder = options.placeholder;
  if (!placeholder) return base;
  const accepts = (s: string) => s.length >= min && s.length <= (schema.maxLength ?? Infinity) && (pattern === undefined || pattern.test(s));
  // The placeholder replaces the start of the string (keeping its length where the schema bounds it), or is prefixed.
  const marked = base.map((s) => {
    for (const candidate of [placeholder + s.slice(placeholder.length), placeholder + s, placeholder]) if (accepts(candidate)) return candidate;
    return s;
  });
  return options.placeholderAlways ? marked : fc.oneof({ weight: 3, arbitrary: marked }, { weight: 1, arbitrary: base });
}

function numberArbitrary(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + (integer ? 1 : Number.EPSILON) : -1e9);
  const max = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - (integer ? 1 : Number.EPSILON) : 1e9);
  const edges = fc.constantFrom(min, max);
  const inside = integer
    ? fc.integer({ min: Math.max(min, Number.MIN_SAFE_INTEGER), max: Math.min(max, Number.MAX_SAFE_INTEGER) })
    : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  return fc.oneof({ weight: 4, arbitrary: inside }, { weight: 1, arbitrary: edges });
}

/** Values the schema accepts. */
export function schemaValue(schema: JsonSchema, options: SchemaArbitraryOptions = {}): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return fc.oneof(...variants.map((v) => schemaValue(v, options)));
  if (schema.allOf?.length) return schemaValue(schema.allOf[0] as JsonSchema, options);
  const type = Array.isArray(schema.type) ? (schema.type[0] as string | undefined) : (schema.type as string | undefined);
  switch (type) {
    case 'string':
      return stringArbitrary(schema, options);
    case 'integer':
      return numberArbitrary(schema, true);
    case 'number':
      return numberArbitrary(schema, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = schema.minItems ?? 0;
      const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? Infinity, options.maxArrayItems ?? 3));
      return fc.array(schema.items ? schemaValue(schema.items, options) : fc.jsonValue({ maxDepth: 1 }), { minLength, maxLength });
    }
    case 'object': {
      const properties = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      const keys = Object.keys(properties);
      if (keys.length === 0) return fc.constant({});
      return fc.record(Object.fromEntries(keys.map((k) => [k, schemaValue(properties[k] as JsonSchema, options)])), {
        requiredKeys: keys.filter((k) => required.has(k)),
      });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Every place in a JSON value where a mutation can land: the value itself, each property, each element. */
function nodesOf(value: unknown, at: readonly (string | number)[] = []): Array<readonly (string | number)[]> {
  const here = [at];
  if (Array.isArray(value)) return here.concat(value.flatMap((v, i) => nodesOf(v, [...at, i])));
  if (isJsonObject(value)) return here.concat(Object.keys(value).flatMap((k) => nodesOf(value[k], [...at, k])));
  return here;
}

/** A JSON object (fast-check may make null-prototype ones); RawJson tokens are leaves. */
function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof RawJson);
}

function cloneJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cloneJson);
  if (isJsonObject(value)) return objectOf(Object.keys(value).map((k) => [k, cloneJson(value[k])] as const));
  return value;
}

type Mutation =
  | { readonly kind: 'replace'; readonly pick: number; readonly value: unknown }
  | { readonly kind: 'add-key'; readonly pick: number; readonly key: string; readonly value: unknown }
  | { readonly kind: 'drop'; readonly pick: number }
  | { readonly kind: 'grow'; readonly pick: number; readonly times: number };

function mutationArbitrary(): fc.Arbitrary<Mutation> {
  const key = fc.oneof(
    fc.constantFrom(...PROTOTYPE_KEYS),
    fc.constantFrom('id', 'vendorId', 'price', 'status', 'isAdmin', 'total', ''),
    fc.string({ unit: 'grapheme', maxLength: 12 }),
  );
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('replace' as const), pick: fc.nat(), value: hostileJsonValue() }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('add-key' as const), pick: fc.nat(), key, value: hostileJsonValue() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('drop' as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('grow' as const), pick: fc.nat(), times: fc.constantFrom(2, 51, 101, 501) }) },
  );
}

/** Growing a value stops short of a megabyte of JSON (a big hostile value repeated 500 times would be 15 MB). */
const MAX_GROWN_BYTES = 1_000_000;
function copiesWithin(times: number, value: unknown): number {
  return Math.max(2, Math.min(times, Math.floor(MAX_GROWN_BYTES / Math.max(1, jsonText(value).length))));
}

function applyMutation(root: unknown, mutation: Mutation): unknown {
  const nodes = nodesOf(root);
  const at = nodes[mutation.pick % nodes.length] as readonly (string | number)[];
  if (at.length === 0) {
    if (mutation.kind === 'replace') return cloneJson(mutation.value);
    if (mutation.kind === 'grow') return Array.from({ length: copiesWithin(mutation.times, root) }, () => cloneJson(root));
  }
  const parentPath = at.slice(0, -1);
  let parent: unknown = root;
  for (const step of parentPath) parent = (parent as Record<string | number, unknown>)[step];
  const last = at[at.length - 1];
  const container = (at.length === 0 ? root : parent) as Record<string | number, unknown>;
  const target = at.length === 0 ? root : container[last as string | number];
  switch (mutation.kind) {
    case 'replace':
      container[last as string | number] = cloneJson(mutation.value);
      break;
    case 'add-key':
      // Values are copied in: the dictionaries' constants are shared between generated requests.
      if (isJsonObject(target))
        Object.defineProperty(target, mutation.key, { value: cloneJson(mutation.value), enumerable: true, writable: true, configurable: true });
      else if (isJsonObject(parent))
        Object.defineProperty(parent, mutation.key, { value: cloneJson(mutation.value), enumerable: true, writable: true, configurable: true });
      break;
    case 'drop':
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else if (isJsonObject(parent)) delete parent[last as string];
      break;
    case 'grow':
      if (Array.isArray(target) && target.length > 0) {
        const copies = copiesWithin(mutation.times, target[0]);
        while (target.length < copies) target.push(cloneJson(target[target.length % target.length]));
      } else {
        container[last as string | number] = Array.from({ length: copiesWithin(mutation.times, target) }, () => cloneJson(target));
      }
      break;
  }
  return root;
}

/** Values the schema accepts, then broken in one to three places (wrong types, extra or prototype keys, missing or oversized parts). */
export function schemaMutant(schema: JsonSchema, options: SchemaArbitraryOptions = {}): fc.Arbitrary<unknown> {
  return mutantsOf(schemaValue(schema, options));
}

/** Values of `values`, each broken in one to three places. */
export function mutantsOf(values: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc
    .tuple(values, fc.array(mutationArbitrary(), { minLength: 1, maxLength: 3 }))
    .map(([value, mutations]) => mutations.reduce(applyMutation, cloneJson(value)));
}
