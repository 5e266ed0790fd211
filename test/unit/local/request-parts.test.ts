import {
  decodePath,
  decodePathSegment,
  headerParameters,
  headerValue,
  headerValuesSize,
  missingParameters,
  parseRequestTarget,
  pathOf,
  queryParameters,
  targetOfRawRequest,
} from '../../../local/aws/apigw/request-parts';

describe('request parts as the local API Gateway reads them', () => {
  describe('query parameters and headers are data', () => {
    it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])('a query key named %s is an own key with its values', (name) => {
      const { single, multi } = queryParameters(new URLSearchParams(`${name}=x&${name}=y&limit=5`));
      expect(Object.keys(single)).toEqual([name, 'limit']);
      expect(single[name]).toBe('y');
      expect(multi[name]).toEqual(['x', 'y']);
      expect(Object.getPrototypeOf(single)).toBeNull();
      // What the Lambda sees after the event is serialized.
      expect(JSON.parse(JSON.stringify(multi))).toEqual(JSON.parse(`{"${name}":["x","y"],"limit":["5"]}`));
    });

    it('keeps header names as the client spelled them, a prototype name included, and every value of a repeated one', () => {
      const { single, multi } = headerParameters(['Host', 'a', 'constructor', '1', '__proto__', '2', 'X-Id', 'p', 'X-Id', 'q']);
      expect(Object.keys(single)).toEqual(['Host', 'constructor', '__proto__', 'X-Id']);
      expect(single.constructor).toBe('1');
      expect(single['__proto__']).toBe('2');
      expect(single['X-Id']).toBe('q');
      expect(multi['X-Id']).toEqual(['p', 'q']);
      expect(multi.constructor).toEqual(['1']);
    });

    it('finds a header whatever the case of its name, and never an inherited property', () => {
      const { single } = headerParameters(['AUTHORIZATION', 'Bearer t', 'x-Custom', 'v']);
      expect(headerValue(single, 'Authorization')).toBe('Bearer t');
      expect(headerValue(single, 'X-CUSTOM')).toBe('v');
      expect(headerValue(single, 'constructor')).toBeUndefined();
      expect(headerValue({}, 'toString')).toBeUndefined();
      expect(headerValue(null, 'Authorization')).toBeUndefined();
    });
  });

  describe('required request parameters', () => {
    const required = { headers: ['Idempotency-Key'], query: ['orderId'] };

    it('matches required headers case-insensitively and query names exactly', () => {
      expect(missingParameters(required, headerParameters(['IDEMPOTENCY-KEY', 'k1']).single, new URLSearchParams('orderId=1'))).toEqual([]);
      expect(missingParameters(required, headerParameters(['idempotency-key', 'k1']).single, new URLSearchParams('ORDERID=1'))).toEqual(['orderId']);
    });

    it('counts a blank value as missing, as API Gateway validates "included and not blank"', () => {
      expect(missingParameters(required, headerParameters(['Idempotency-Key', '  ']).single, new URLSearchParams('orderId='))).toEqual([
        'Idempotency-Key',
        'orderId',
      ]);
    });

    it('is not satisfied by a prototype property', () => {
      expect(missingParameters({ headers: ['constructor'], query: ['toString'] }, headerParameters([]).single, new URLSearchParams())).toEqual([
        'constructor',
        'toString',
      ]);
    });
  });

  it('sums the bytes of header values only (the 10,240-byte quota counts values)', () => {
    expect(headerValuesSize(['Host', '127.0.0.1', 'X-Long-Header-Name', 'abc'])).toBe(12);
    expect(headerValuesSize(['X', 'a'.repeat(10_241)])).toBe(10_241);
  });

  describe('percent-decoding of the path', () => {
    it.each([
      ['%ff', 'a lone byte that is not UTF-8'],
      ['%E0%A4%A', 'a truncated escape'],
      ['%C0%AF', 'an overlong encoding of /'],
      ['%zz', 'an escape that is not hex'],
      ['abc%', 'a bare percent sign'],
      ['%ED%A0%80', 'an encoded surrogate'],
    ])('refuses %s (%s)', (segment) => {
      expect(decodePathSegment(segment)).toBeUndefined();
      expect(decodePath(`/products/${segment}`)).toBeUndefined();
    });

    it('decodes well-formed escapes, keeps + and splits on raw slashes only', () => {
      expect(decodePathSegment('caf%C3%A9%20bar+baz')).toBe('café bar+baz');
      expect(decodePath('/products/a%2Fb/x')).toEqual(['products', 'a/b', 'x']);
      expect(decodePath('/')).toEqual([]);
    });
  });

  describe('the request target', () => {
    it('keeps the path percent-encoded and apart from the query string', () => {
      const target = parseRequestTarget('/products/%ff?__proto__=x&limit=2');
      expect(target?.path).toBe('/products/%ff');
      expect(target?.query.get('__proto__')).toBe('x');
    });

    it('never yields a quote, backslash or control character in the path', () => {
      for (const raw of ['/a"b', '/a\\b', '/a\u0001b', '/a b', '/"},"x":"y']) {
        const path = parseRequestTarget(raw)?.path ?? '';
        expect([...path].filter((c) => c === '"' || c === '\\' || c <= ' ')).toEqual([]);
        expect(JSON.parse(`{"instance":"${path}"}`)).toEqual({ instance: path });
      }
    });

    it('reads //x as a path, an absolute-form target by its path, and refuses anything else', () => {
      expect(parseRequestTarget('//evil.example/x')?.path).toBe('//evil.example/x');
      expect(parseRequestTarget('http://127.0.0.1:3000/health?x=1')?.path).toBe('/health');
      expect(parseRequestTarget('*')).toBeUndefined();
      expect(parseRequestTarget('http://[bad')).toBeUndefined();
    });

    it('names the path of any target for an error instance, never its query string', () => {
      expect(pathOf('/me?token=secret')).toBe('/me');
      expect(pathOf('garbage')).toBe('/');
      expect(pathOf(undefined)).toBe('/');
    });

    it('recovers the target of a refused request from the bytes the parser kept, when they start with a request line', () => {
      expect(targetOfRawRequest(Buffer.from('GET /products?x=1 HTTP/1.1\r\nBad Header: 1\r\n\r\n'))).toBe('/products?x=1');
      expect(pathOf(targetOfRawRequest(Buffer.from('GET /products?x=1 HTTP/1.1\r\n')))).toBe('/products');
      expect(targetOfRawRequest(Buffer.from('GET /a b HTTP/1.1\r\n'))).toBeUndefined();
      expect(targetOfRawRequest(Buffer.from('aaaaaaaa'))).toBeUndefined();
      expect(targetOfRawRequest(undefined)).toBeUndefined();
    });
  });
});
