import { readRestApis } from '../../local/aws/apigw/rest-api-model';
import { CloudAssembly } from '../../local/runtime/assembly';
import { IntrinsicResolver } from '../../local/runtime/intrinsics';
import type { KnownRoute } from '../../shared/domain/access/route-policies';
import { ROUTE_SCHEMAS } from '../../shared/schemas/routes';
import * as z from '../../shared/validation/zod';
import { STAGES, synthStage } from './synth-stage';

/**
 * The edge refuses malformed input before any Lambda runs, in the template itself (what API Gateway will apply in
 * AWS, and what the local gateway plays): every route whose body is required gets a request model generated from the
 * zod schema its handler validates with, required headers are declared on the method, and the validator checks both.
 */
describe.each(STAGES)('request validation at the edge (%s)', (stage) => {
  const routes = () => {
    const synth = synthStage(stage);
    const assembly = CloudAssembly.load(synth.outdir, stage);
    const [api] = readRestApis(assembly, new IntrinsicResolver(assembly, () => undefined));
    if (!api) throw new Error('no REST API in the Api stack');
    return new Map(api.routes.filter((r) => r.httpMethod !== 'OPTIONS').map((r) => [`${r.httpMethod} ${r.resourcePath}`, r]));
  };

  it('finds the routes (so the checks below can fail)', () => {
    expect(routes().size).toBeGreaterThanOrEqual(20);
  });

  it('POST /checkout requires Idempotency-Key at the gateway', () => {
    expect(routes().get('POST /checkout')?.requiredHeaders).toEqual(['Idempotency-Key']);
  });

  it('every served route with a required JSON body has the model generated from its schema; webhooks and optional bodies have none', () => {
    const expected: Record<string, string> = {};
    const actual: Record<string, string> = {};
    for (const [key, route] of routes()) {
      const schemas = ROUTE_SCHEMAS[key as KnownRoute];
      const body = schemas?.body;
      if (body && !schemas.webhook && !body.safeParse({}).success) {
        const generated = z.toJSONSchema(body, { target: 'draft-04', io: 'input', unrepresentable: 'throw' }) as Record<string, unknown>;
        expected[key] = JSON.stringify(generated, (k, v: unknown) => (k === 'default' ? undefined : v));
      }
      if (route.bodyModel) actual[key] = JSON.stringify(route.bodyModel);
    }
    expect(Object.keys(expected).sort()).toEqual(
      expect.arrayContaining(['POST /admin/orders/{orderId}/refund', 'POST /vendor/products', 'PUT /cart/items/{sku}', 'PATCH /vendor/products/{productId}']),
    );
    expect(actual).toEqual(expected);
  });
});
