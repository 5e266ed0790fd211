/**
 * The parts of an HTTP request as API Gateway (REST) reads them: the request target, path segments, query string
 * and headers. Names come from the client, so they are data: every record here has no prototype, and a query key or
 * header named `__proto__`, `constructor` or `toString` is a key like any other, never an Object.prototype lookup.
 */

/** API Gateway REST's quota "Total combined size of all header values" (not adjustable). */
export const MAX_HEADER_VALUES_BYTES = 10_240;

/** A record without a prototype: any string is an own key, nothing is inherited. */
export function dataRecord<V>(): Record<string, V> {
  return Object.create(null) as Record<string, V>;
}

/** Single- and multi-value views of query parameters or headers, as a REST proxy event carries them. */
export interface RequestParameters {
  /** The last value of each name. */
  readonly single: Record<string, string>;
  /** Every value of each name, in order. */
  readonly multi: Record<string, string[]>;
}

function collect(pairs: Iterable<readonly [string, string]>): RequestParameters {
  const single = dataRecord<string>();
  const multi = dataRecord<string[]>();
  for (const [name, value] of pairs) {
    single[name] = value;
    if (Object.hasOwn(multi, name)) (multi[name] as string[]).push(value);
    else multi[name] = [value];
  }
  return { single, multi };
}

/** Query parameters, decoded, names as sent (case-sensitive, as API Gateway treats them). */
export function queryParameters(query: URLSearchParams): RequestParameters {
  return collect(query);
}

function* headerPairs(rawHeaders: readonly string[]): Generator<[string, string]> {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) yield [rawHeaders[i] as string, rawHeaders[i + 1] as string];
}

/** Headers with their names as the client spelled them (API Gateway passes them so; Node lower-cases only req.headers). */
export function headerParameters(rawHeaders: readonly string[]): RequestParameters {
  return collect(headerPairs(rawHeaders));
}

/** The value of header `name` in a record keyed by names as sent: header names are case-insensitive. */
export function headerValue(headers: Readonly<Record<string, string>> | null | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  let found: string | undefined;
  for (const key of Object.keys(headers)) if (key.toLowerCase() === wanted) found = headers[key];
  return found;
}

/** Blank as API Gateway's request validator means it: missing, empty or only whitespace. */
function isBlank(value: string | null | undefined): boolean {
  return value === undefined || value === null || value.trim() === '';
}

/**
 * The required request parameters a request lacks, as API Gateway's request validator checks them: "included and
 * not blank"; header names match case-insensitively, query names exactly.
 */
export function missingParameters(
  required: { readonly headers: readonly string[]; readonly query: readonly string[] },
  headers: Readonly<Record<string, string>>,
  query: URLSearchParams,
): string[] {
  return [...required.headers.filter((h) => isBlank(headerValue(headers, h))), ...required.query.filter((q) => isBlank(query.get(q)))];
}

/** The combined size in bytes of every header value (what API Gateway's 10,240-byte quota counts). */
export function headerValuesSize(rawHeaders: readonly string[]): number {
  let size = 0;
  for (const [, value] of headerPairs(rawHeaders)) size += Buffer.byteLength(value, 'latin1');
  return size;
}

/**
 * Decodes one percent-encoded path segment; undefined when its encoding is malformed: a `%` not followed by two hex
 * digits, or escapes that are not well-formed UTF-8 (a truncated sequence, an overlong form such as %C0%AF, a lone
 * byte such as %FF). `+` stays `+`: in a path it is not a space.
 */
export function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Every segment of a percent-encoded path, decoded; undefined when any is malformed. */
export function decodePath(path: string): string[] | undefined {
  const decoded: string[] = [];
  for (const segment of path.split('/').filter(Boolean)) {
    const value = decodePathSegment(segment);
    if (value === undefined) return undefined;
    decoded.push(value);
  }
  return decoded;
}

/** A request target read as API Gateway sees it. */
export interface RequestTarget {
  /**
   * The path, still percent-encoded as REST APIs pass it in `event.path`, without the query string. The URL parser
   * leaves valid and invalid escapes as sent and encodes what may not appear raw (a quote becomes %22, a space %20,
   * a backslash reads as `/`), so this string never holds a quote, backslash or control character.
   */
  readonly path: string;
  readonly query: URLSearchParams;
}

/**
 * Reads a request target (origin-form `/p?q`, or absolute-form `http://host/p?q`); undefined when it is neither.
 * Never throws: the emulator answers an unreadable target itself.
 */
export function parseRequestTarget(target: string): RequestTarget | undefined {
  let url: URL;
  try {
    // Prefixing an origin keeps `//x` a path instead of a host.
    if (target.startsWith('/')) url = new URL(`http://localhost${target}`);
    else if (/^https?:\/\//i.test(target)) url = new URL(target);
    else return undefined;
  } catch {
    return undefined;
  }
  return { path: url.pathname, query: url.searchParams };
}

/** The path of a request target for an error's `instance`: never the query string, `/` when the target is unreadable. */
export function pathOf(target: string | undefined): string {
  return (target === undefined ? undefined : parseRequestTarget(target)?.path) ?? '/';
}

/**
 * The request target of a request the HTTP parser refused, when the bytes it kept start with a request line; the
 * error answer names its path as `instance` (for a header section too large to parse, the bytes kept are often only
 * its tail, and the answer names `/`).
 */
export function targetOfRawRequest(raw: Buffer | undefined): string | undefined {
  if (!raw) return undefined;
  const firstLine = raw.subarray(0, 8_192).toString('latin1').split('\r\n', 1)[0] ?? '';
  return /^[A-Z]+ (\/\S*) HTTP\/\d\.\d$/.exec(firstLine)?.[1];
}
