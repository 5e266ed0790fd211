import document from '../../docs/openapi.json';
import { synthStage } from './synth-stage';

/**
 * docs/openapi.json describes exactly the routes the API stack serves: a route served without a description, or
 * described but not served, fails here (regenerate with `npm run openapi` after adding a route's ROUTE_RESPONSES row).
 */
describe('the OpenAPI document and the API stack', () => {
  it('list the same routes', () => {
    const { stacks } = synthStage('dev');
    const served = stacks.api.api.methods.filter((m) => m.httpMethod !== 'OPTIONS').map((m) => `${m.httpMethod} ${m.resource.path}`);
    const documented = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect([...new Set(documented)].sort()).toEqual([...new Set(served)].sort());
  });
});
