import { BodyModels, TokenBucket } from '../../../local/aws/apigw/edge-checks';

describe('the gateway\u2019s body models (JSON Schema draft 4, as API Gateway applies them)', () => {
  const models = new BodyModels();
  const model = {
    $schema: 'http://json-schema.org/draft-04/schema#',
    type: 'object',
    properties: { quantity: { type: 'integer', minimum: 1, maximum: 99 } },
    required: ['quantity'],
    additionalProperties: false,
  };
  const body = (text: string) => Buffer.from(text, 'utf8');

  it('passes a body the model accepts, as JSON or with no content type', () => {
    expect(models.refuses(model, 'application/json', body('{"quantity":2}'))).toBe(false);
    expect(models.refuses(model, 'application/json; charset=utf-8', body('{"quantity":2}'))).toBe(false);
    expect(models.refuses(model, undefined, body('{"quantity":2}'))).toBe(false);
  });

  it.each([
    ['a missing required field', '{}'],
    ['an unknown field', '{"quantity":2,"price":1}'],
    ['a wrong type', '{"quantity":"2"}'],
    ['a number out of range', '{"quantity":100}'],
    ['a fraction where an integer is due', '{"quantity":1.5}'],
    ['a body that is not JSON', '{"quantity":'],
    ['an empty body', ''],
    ['an array', '[{"quantity":2}]'],
    ['a prototype-named key', '{"quantity":2,"__proto__":{"x":1}}'],
  ])('refuses %s', (_what, text) => {
    expect(models.refuses(model, 'application/json', body(text))).toBe(true);
  });

  it('leaves a body of another media type to the handler (which answers 415)', () => {
    expect(models.refuses(model, 'text/plain', body('quantity=2'))).toBe(false);
  });
});

describe('the stage throttle (a token bucket)', () => {
  it('lets a burst through, then refills at the rate', () => {
    let now = 0;
    const bucket = new TokenBucket({ rateLimit: 10, burstLimit: 3 }, () => now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    now += 100; // 10 a second: one token in 100 ms
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
    now += 10_000; // never more than the burst
    expect(Array.from({ length: 5 }, () => bucket.take())).toEqual([true, true, true, false, false]);
  });
});
