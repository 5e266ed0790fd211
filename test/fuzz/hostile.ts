import fc from 'fast-check';

/**
 * Hostile inputs, as data and as fast-check arbitraries: what attackers and broken clients send. Kept free of the
 * patterns the leak check looks for (paths, stack frames, internal names), so an echo of one is never mistaken for
 * a leak.
 */

/** Names that are special on every JavaScript object. */
export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf'] as const;

/** Percent-encodings no UTF-8 decoder accepts (truncated, overlong, lone surrogate, not hex). */
export const MALFORMED_PERCENT = ['%ff', '%E0%A4%A', '%C0%AF', '%', '%%', '%2', '%zz', '%ED%A0%80', '%F4%90%80%80', '%c3%28', 'a%', '%%41'] as const;

/** Text that renders or compares surprisingly: right-to-left overrides, zero-width, astral, combining, BOM. */
export const UNICODE_STRINGS = [
  '\u202eevil\u202c',
  '\u200b',
  'a\u200db\u200c',
  '\ufeff',
  '😀',
  '𝕏𝕐',
  'e\u0301\u0301\u0301',
  'İı',
  'ß',
  'ﬀ',
  '\u0000',
  '\u2028\u2029',
  '١٢٣',
  'Ω≈ç√',
  '\u00a0',
  '\ud83d\ude00'.repeat(50),
] as const;

/** Numbers and number-like strings at and past every edge. Raw JSON tokens where JavaScript cannot hold them. */
export const NUMBER_TOKENS = [
  '0',
  '-0',
  '-1',
  '1.5',
  '1e309',
  '-1e309',
  '1e-400',
  '9007199254740993',
  '18446744073709551616',
  '-9223372036854775809',
  '100',
  '101',
  '99',
  '1e2',
  '0.0000001',
  '123456789012345678901234567890',
] as const;
export const NUMBERISH_STRINGS = [
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '0x10',
  '0b1',
  '1_000',
  ' 1',
  '1 ',
  '+1',
  '',
  ' ',
  '--1',
  '1e',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '١٢',
] as const;

/** Strings a parser, a template or a database might treat specially. */
export const INJECTION_STRINGS = [
  "' OR '1'='1",
  '"; DROP TABLE x; --',
  '${7*7}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '..\\..\\windows',
  'a\r\nX-Injected: 1',
  '%00',
  '#',
  '?',
  '&',
  '=',
  '/',
  '\\',
  '*',
  'a'.repeat(300),
] as const;

/** Lone surrogates (which no UTF-8 encoder takes) replaced, so any string can be percent-encoded. */
export function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** encodeURIComponent that never throws. */
export const encode = (text: string): string => encodeURIComponent(wellFormed(text));

/** A string from every dictionary above (what a hostile field value looks like). */
export function hostileString(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...PROTOTYPE_KEYS),
    fc.constantFrom(...UNICODE_STRINGS),
    fc.constantFrom(...NUMBERISH_STRINGS),
    fc.constantFrom(...INJECTION_STRINGS),
    fc.constantFrom(...MALFORMED_PERCENT),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.integer({ min: 1_000, max: 20_000 }).map((n) => 'x'.repeat(n)),
  );
}

/** A JSON token inside a generated value, written as is (1e309, duplicate keys, lone surrogates, deep nesting). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** Nested arrays or objects `depth` levels deep, as raw JSON (JSON.stringify would recurse that deep). */
export function deepNesting(depth: number, kind: 'array' | 'object'): RawJson {
  return kind === 'array' ? new RawJson(`${'['.repeat(depth)}${']'.repeat(depth)}`) : new RawJson(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
}

/** JSON text of a generated value; RawJson tokens are spliced in, own `__proto__` keys kept. */
export function jsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .map((k) => `${JSON.stringify(k)}:${jsonText((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
  return JSON.stringify(value) ?? 'null';
}

/** An object with exactly these own keys, `__proto__` included as a plain key (as JSON.parse makes it). */
export function objectOf(entries: ReadonlyArray<readonly [string, unknown]>): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of entries) Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  return object;
}

/** A JSON value that is wrong almost anywhere: wrong types, edge numbers, prototype objects, deep nesting. */
export function hostileJsonValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, '', [], {}, [[]], [null], { a: 1 }) },
    { weight: 3, arbitrary: fc.constantFrom(...NUMBER_TOKENS).map((t) => new RawJson(t)) },
    { weight: 2, arbitrary: fc.constantFrom(...NUMBERISH_STRINGS) },
    { weight: 3, arbitrary: hostileString() },
    { weight: 1, arbitrary: fc.constantFrom('\\ud800', '\\udfff', 'a\\udc00b', '\\ud83d').map((s) => new RawJson(`"${s}"`)) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...PROTOTYPE_KEYS), fc.constantFrom<unknown>({ polluted: true }, 1, 'x', null, []))
        .map(([k, v]) => objectOf([[k, v]])),
    },
    { weight: 1, arbitrary: fc.constant(objectOf([['constructor', objectOf([['prototype', { polluted: true }]])]])) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(50, 1_000, 5_000), fc.constantFrom<'array' | 'object'>('array', 'object')).map(([d, k]) => deepNesting(d, k)),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );
}

/** Whole bodies no JSON route should accept, as raw text. */
export const RAW_BODIES = [
  '',
  ' ',
  'null',
  'true',
  '0',
  '"x"',
  '[]',
  '[{}]',
  '{',
  '}',
  '{"a":',
  '{"a":1,}',
  "{'a':1}",
  '{"a":1}{"b":2}',
  '{}garbage',
  '\ufeff{}',
  'not json',
  'a=1&b=2',
  '<xml/>',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"a":1,"a":2}',
  '{"\\u0000":1}',
  '"\\ud800"',
  '{"a":"\\ud800"}',
  '1e309',
  '[1e309]',
  '{"a":-0}',
  '\u0000',
] as const;

/** Content-Type values, right and wrong. */
export const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/merge-patch+json',
  'application/problem+json',
  'text/plain',
  'text/html',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/jsonx',
  'application/json, text/plain',
  '',
  '*/*',
  'application/json;;;',
  ' application/json',
] as const;

/** Header names a server might store in an object or trust: prototype keys, spoofing and override headers. */
export const HOSTILE_HEADER_NAMES = [
  ...PROTOTYPE_KEYS,
  'X-Forwarded-For',
  'X-Real-IP',
  'X-Amzn-RequestId',
  'X-Amzn-Trace-Id',
  'X-HTTP-Method-Override',
  'X-Original-URL',
  'Forwarded',
  'Origin',
  'Accept',
  'Accept-Encoding',
  'Cookie',
  'X-Api-Key',
  'User-Agent',
] as const;

/**
 * A header value as bytes (a latin1 string of the UTF-8 encoding), without the CR, LF and NUL that no HTTP
 * stack sends.
 */
export function headerBytes(text: string): string {
  const bytes = [...Buffer.from(text, 'utf8')].filter((b) => b === 0x09 || (b >= 0x20 && b !== 0x7f));
  return Buffer.from(bytes).toString('latin1');
}

/** Header values: spoofed addresses, huge ones (20 KB is past Node's 16 KiB header limit), unicode as UTF-8. */
export function hostileHeaderValue(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: hostileString().map(headerBytes) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '10.0.0.1',
        '127.0.0.1, 10.0.0.1',
        '::1',
        'for=10.0.0.1',
        'DELETE',
        'null',
        'http://evil.example',
        '*',
        'gzip, br',
        'a=b; c=d',
      ),
    },
    { weight: 1, arbitrary: fc.constantFrom(8_000, 20_000).map((n) => 'h'.repeat(n)) },
  );
}

/**
 * One path segment as sent: valid-looking, prototype names, malformed percent-encodings, dot segments, encoded
 * slashes, unicode (percent-encoded UTF-8, lone surrogates as their WTF-8 bytes), very long.
 */
export function hostileSegment(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS) },
    { weight: 3, arbitrary: fc.constantFrom(...MALFORMED_PERCENT) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('.', '..', '%2e%2e', '%2F', 'a%2Fb', '%5C', '%00', '%20', '+', ';x=1', 'null', 'undefined', '-1', '1e309', 'NaN', '0'),
    },
    { weight: 2, arbitrary: fc.constantFrom(...UNICODE_STRINGS).map(encode) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).map(encode) },
    { weight: 1, arbitrary: fc.constantFrom(65, 200, 2_000).map((n) => 'A'.repeat(n)) },
  );
}

/** One `key=value` piece of a query string as sent, hostile in its key, its value or its encoding. */
export function hostileQueryPiece(knownKeys: readonly string[]): fc.Arbitrary<string> {
  const key = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS) },
    { weight: 2, arbitrary: knownKeys.length ? fc.constantFrom(...knownKeys) : fc.constant('q') },
    { weight: 1, arbitrary: fc.constantFrom(...MALFORMED_PERCENT) },
    { weight: 1, arbitrary: fc.constantFrom('limit[]', 'limit[$gt]', 'a.b', '', '=', 'x'.repeat(300)) },
    { weight: 1, arbitrary: fc.constantFrom(...UNICODE_STRINGS).map(encode) },
  );
  const value = fc.oneof(
    { weight: 3, arbitrary: hostileString().map(encode) },
    { weight: 2, arbitrary: fc.constantFrom(...NUMBER_TOKENS, ...NUMBERISH_STRINGS).map(encode) },
    { weight: 2, arbitrary: fc.constantFrom(...MALFORMED_PERCENT) },
  );
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(key, value).map(([k, v]) => `${k}=${v}`) },
    { weight: 1, arbitrary: key },
    { weight: 1, arbitrary: fc.constantFrom('&', '&&', '=', '==', '%', '?', '#') },
  );
}

/** Idempotency-Key values that must be refused (16..64 visible ASCII is the rule). */
export const BAD_IDEMPOTENCY_KEYS = [
  '',
  ' ',
  'short',
  'x'.repeat(15),
  'x'.repeat(65),
  'x'.repeat(4_000),
  ' '.repeat(20),
  'has spaces in the key ok?',
  headerBytes('ünïcödé-key-0123456789'),
  headerBytes('😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀'),
  '__proto__',
  'constructor',
  '\tkey-with-a-tab-0123',
] as const;

/** Bearer tokens that are not tokens. */
export const GARBAGE_TOKENS = [
  'x',
  'a.b.c',
  'a.b',
  '...',
  'null',
  'undefined',
  'eyJ',
  'e30.e30.',
  'e30.e30.e30',
  '__proto__',
  'constructor',
  '%ff',
  'A'.repeat(9_000),
] as const;

/** Authorization header values that are malformed as a header, whatever the token. */
export const MALFORMED_AUTHORIZATION = [
  'Bearer',
  'Bearer ',
  'Bearer  ',
  'bearer',
  'Basic dXNlcjpwYXNz',
  'Token abc',
  'Bearer\tabc.def.ghi',
  'Bearer a.b.c d',
] as const;

/** Cursors a client could forge. */
export const BAD_CURSORS = [
  '',
  'x',
  'null',
  '{}',
  'eyJ9',
  'e30',
  '=====',
  'AAAA',
  '__proto__',
  '%ff',
  '../',
  'a'.repeat(600),
  'a'.repeat(2_100),
  '😀',
] as const;
