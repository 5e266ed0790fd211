import { invalidRequest } from './errors';

/** A Stripe request parameter: a string, or a hash of them. Arrays arrive as hashes keyed "0", "1", … */
export type FormValue = string | FormHash;
export interface FormHash {
  [key: string]: FormValue;
}

const MAX_PARAMETERS = 1000;
const MAX_DEPTH = 8;
const SEGMENT = /\[([^[\]]*)\]/y;

/**
 * Parses `application/x-www-form-urlencoded` data in Stripe's bracket notation: `metadata[orderId]=1`,
 * `payment_method_types[]=card`, `payment_method_types[0]=card`, `a[b][c]=d`, and Rack's `items[][price]=…` where a
 * `[]` followed by a key already present in the last element starts a new element. Hashes have no prototype, so
 * names such as `__proto__` are plain keys.
 */
export function parseForm(text: string): FormHash {
  const root = emptyHash();
  let count = 0;
  for (const [name, value] of new URLSearchParams(text)) {
    if (++count > MAX_PARAMETERS) throw invalidRequest(`Too many parameters (more than ${MAX_PARAMETERS})`);
    const segments = segmentsOf(name);
    if (!segments) throw invalidRequest(`Invalid parameter name: ${name}`, name);
    if (segments.length > MAX_DEPTH) throw invalidRequest(`Parameters nest at most ${MAX_DEPTH} levels: ${name}`, name);
    assign(root, segments, value, name);
  }
  return root;
}

/** `a[b][]` -> ['a', 'b', '']; undefined when the brackets do not pair up. */
function segmentsOf(name: string): string[] | undefined {
  const open = name.indexOf('[');
  const head = open < 0 ? name : name.slice(0, open);
  if (!head || head.includes(']')) return undefined;
  const segments = [head];
  for (let at = open < 0 ? name.length : open; at < name.length; at = SEGMENT.lastIndex) {
    SEGMENT.lastIndex = at;
    const match = SEGMENT.exec(name);
    if (!match) return undefined;
    segments.push(match[1] as string);
  }
  return segments;
}

function assign(root: FormHash, segments: string[], value: string, name: string): void {
  let node = root;
  for (let i = 0; i < segments.length; i++) {
    const last = i === segments.length - 1;
    let key = segments[i] as string;
    if (key === '') {
      // `[]` appends, except that `a[][x]` fills the last element while it has no `x` yet (Rack's rule).
      const size = Object.keys(node).length;
      const previous = node[String(size - 1)];
      const nextKey = segments[i + 1];
      const reuse = !last && size > 0 && typeof previous === 'object' && nextKey !== undefined && nextKey !== '' && !(nextKey in previous);
      key = String(reuse ? size - 1 : size);
    }
    const existing = node[key];
    if (last) {
      if (typeof existing === 'object') throw invalidRequest(`Invalid value for ${name}: it is a hash elsewhere in the request`, name);
      node[key] = value;
      return;
    }
    if (typeof existing === 'string') throw invalidRequest(`Invalid hash: ${name}`, name);
    node = existing ?? (node[key] = emptyHash());
  }
}

export function emptyHash(): FormHash {
  return Object.create(null) as FormHash;
}

/** A stable text of the parameters (keys sorted), to tell whether a reused idempotency key came with the same request. */
export function canonicalParameters(value: FormValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  return `{${Object.keys(value)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalParameters(value[k] as FormValue)}`)
    .join(',')}}`;
}

/** Bounds of a range filter; each is optional and they combine (`gte` and `lt` make a half-open interval). */
export interface Range {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
}

/** Metadata changes as Stripe applies them: `metadata=` clears every key, `metadata[k]=` removes one key. */
export interface MetadataUpdate {
  readonly clear: boolean;
  readonly set: ReadonlyMap<string, string>;
  readonly remove: readonly string[];
}

/**
 * Reads one level of parameters with Stripe's messages and codes. `only` first rejects names the endpoint does not
 * know (Stripe answers `parameter_unknown` rather than ignoring them, which catches typos in callers).
 */
export class Parameters {
  constructor(
    private readonly data: FormHash,
    private readonly prefix = '',
  ) {}

  only(names: readonly string[]): this {
    for (const key of Object.keys(this.data)) {
      if (!names.includes(key)) throw invalidRequest(`Received unknown parameter: ${this.path(key)}`, this.path(key), 'parameter_unknown');
    }
    return this;
  }

  has(name: string): boolean {
    return this.data[name] !== undefined;
  }

  string(name: string, options: { required?: boolean; maxLength?: number } = {}): string | undefined {
    const value = this.data[name];
    if (value === undefined) return this.missing(name, options.required);
    if (typeof value !== 'string') throw invalidRequest(`Invalid string: ${this.path(name)} is a hash`, this.path(name));
    if (options.maxLength !== undefined && value.length > options.maxLength) {
      throw invalidRequest(`Invalid string: ${this.path(name)} must be at most ${options.maxLength} characters`, this.path(name));
    }
    return value;
  }

  /** A string where the empty string means "unset" (Stripe's convention for optional fields on update). */
  nullableString(name: string, maxLength: number): string | null | undefined {
    const value = this.string(name, { maxLength });
    return value === '' ? null : value;
  }

  integer(name: string, options: { required?: boolean; min?: number; max?: number } = {}): number | undefined {
    const value = this.string(name);
    if (value === undefined) return this.missing(name, options.required);
    if (!/^-?\d{1,15}$/.test(value)) throw invalidRequest(`Invalid integer: ${value}`, this.path(name), 'parameter_invalid_integer');
    const n = Number(value);
    if (options.min !== undefined && n < options.min) {
      throw invalidRequest(`This value must be greater than or equal to ${options.min}.`, this.path(name), 'parameter_invalid_integer');
    }
    if (options.max !== undefined && n > options.max) {
      throw invalidRequest(`This value must be less than or equal to ${options.max}.`, this.path(name), 'parameter_invalid_integer');
    }
    return n;
  }

  boolean(name: string): boolean | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if (value !== 'true' && value !== 'false') throw invalidRequest(`Invalid boolean: ${value}`, this.path(name));
    return value === 'true';
  }

  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if (!(values as readonly string[]).includes(value)) {
      throw invalidRequest(`Invalid ${this.path(name)}: must be one of ${values.join(', ')}`, this.path(name));
    }
    return value as T;
  }

  /**
   * A range filter as Stripe's list endpoints take it: `created=1700000000` (that second exactly) or a hash of bounds,
   * `created[gte]=…&created[lt]=…`. Other keys in the hash are refused like any unknown parameter.
   */
  range(name: string): Range | undefined {
    const value = this.data[name];
    if (value === undefined) return undefined;
    if (typeof value === 'string') {
      const exactly = this.integer(name) as number;
      return { gte: exactly, lte: exactly };
    }
    const bounds = new Parameters(value, this.path(name)).only(['gt', 'gte', 'lt', 'lte']);
    const range: Range = {};
    for (const bound of ['gt', 'gte', 'lt', 'lte'] as const) {
      const n = bounds.integer(bound);
      if (n !== undefined) range[bound] = n;
    }
    return range;
  }

  hash(name: string): Parameters | undefined {
    const value = this.data[name];
    if (value === undefined) return undefined;
    if (typeof value === 'string') throw invalidRequest(`Invalid hash: ${this.path(name)}`, this.path(name));
    return new Parameters(value, this.path(name));
  }

  /** An array sent as `a[]=x` or `a[0]=x`; element positions must be 0, 1, … with no gaps. */
  stringArray(name: string): string[] | undefined {
    const value = this.data[name];
    if (value === undefined) return undefined;
    if (typeof value === 'string') {
      if (value === '') return [];
      throw invalidRequest(`Invalid array: ${this.path(name)}`, this.path(name));
    }
    return Object.keys(value).map((key, i) => {
      const element = value[key];
      if (key !== String(i) || typeof element !== 'string') throw invalidRequest(`Invalid array: ${this.path(name)}`, this.path(name));
      return element;
    });
  }

  /** Stripe's limits: 50 keys, keys up to 40 characters without square brackets, values up to 500 characters. */
  metadata(name = 'metadata'): MetadataUpdate | undefined {
    const value = this.data[name];
    if (value === undefined) return undefined;
    if (typeof value === 'string') {
      if (value !== '') throw invalidRequest(`Invalid hash: ${this.path(name)}`, this.path(name));
      return { clear: true, set: new Map(), remove: [] };
    }
    const set = new Map<string, string>();
    const remove: string[] = [];
    for (const [key, v] of Object.entries(value)) {
      const param = `${this.path(name)}[${key}]`;
      if (typeof v !== 'string') throw invalidRequest(`Invalid string: ${param} must be a string`, param);
      if (key.length > 40) throw invalidRequest(`Metadata keys can have at most 40 characters: ${key}`, param);
      if (v.length > 500) throw invalidRequest(`Metadata values can have at most 500 characters (${key})`, param);
      if (v === '') remove.push(key);
      else set.set(key, v);
    }
    if (set.size > 50) throw invalidRequest('Metadata can have at most 50 keys', this.path(name));
    return { clear: false, set, remove };
  }

  private missing(name: string, required?: boolean): undefined {
    if (required) throw invalidRequest(`Missing required param: ${this.path(name)}.`, this.path(name), 'parameter_missing');
    return undefined;
  }

  private path(name: string): string {
    return this.prefix ? `${this.prefix}[${name}]` : name;
  }
}

/** Applies a metadata update to the current metadata and returns the result (a plain object, as JSON carries it). */
export function applyMetadata(current: Readonly<Record<string, string>>, update: MetadataUpdate | undefined): Record<string, string> {
  if (!update) return { ...current };
  const next = new Map(update.clear ? [] : Object.entries(current));
  for (const key of update.remove) next.delete(key);
  for (const [key, value] of update.set) next.set(key, value);
  if (next.size > 50) throw invalidRequest('Metadata can have at most 50 keys', 'metadata');
  return Object.fromEntries(next);
}
