import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import packageJson from '../../../package.json';
import { ROUTE_POLICIES } from '../../../shared/domain/access/route-policies';
import { documentedRoutes, openApiDocument } from '../../../shared/openapi/document';
import { referencePage } from '../../../shared/openapi/reference-page';

const FILE = path.join(__dirname, '../../../docs/openapi.json');
const committed = JSON.parse(readFileSync(FILE, 'utf8')) as {
  paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown; 'x-stockade-access': { kind: string } }>>;
  webhooks: Record<string, { post: { parameters: { name: string; in: string }[] } }>;
};

describe('the OpenAPI document', () => {
  it('docs/openapi.json is what `npm run openapi` writes from the schemas today', () => {
    // A failure here means a schema, route or response changed: run `npm run openapi` and commit docs/openapi.json.
    expect(committed).toEqual(openApiDocument({ version: packageJson.version }));
  });

  it('docs/api/index.html is the reference page of that document', () => {
    // Stale: run `npm run openapi` and commit docs/api/index.html.
    expect(readFileSync(path.join(__dirname, '../../../docs/api/index.html'), 'utf8')).toBe(referencePage(committed));
  });

  it('validates as OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(committed) as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('describes the routes of the access table, each operation once, members behind the bearer scheme', () => {
    const operations = Object.entries(committed.paths).flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${p}`));
    expect(operations.sort()).toEqual([...documentedRoutes()].sort());
    for (const route of documentedRoutes()) {
      const [method = '', p = ''] = route.split(' ');
      const operation = committed.paths[p]?.[method.toLowerCase()];
      const access = ROUTE_POLICIES[route];
      expect({ route, kind: operation?.['x-stockade-access'].kind }).toEqual({ route, kind: access.kind });
      expect({ route, security: operation?.security }).toEqual({ route, security: access.kind === 'member' ? [{ cognito: [] }] : undefined });
      expect({ route, has400: Object.hasOwn(operation?.responses ?? {}, '400') }).toEqual({ route, has400: true });
    }
  });

  it("carries Stripe's and the inventory providers' webhooks with their signature headers", () => {
    expect(committed.webhooks.stripeEvent?.post.parameters.map((p) => p.name)).toEqual(['Stripe-Signature']);
    expect(committed.webhooks.inventoryUpdate?.post.parameters.filter((p) => p.in === 'header').map((p) => p.name)).toEqual([
      'x-stockade-timestamp',
      'x-stockade-signature',
    ]);
  });
});
