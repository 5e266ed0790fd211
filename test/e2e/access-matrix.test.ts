import { readRestApis } from '../../local/aws/apigw/rest-api-model';
import { CloudAssembly } from '../../local/runtime/assembly';
import { IntrinsicResolver } from '../../local/runtime/intrinsics';
import { resolveStageConfig } from '../../lib/config/stages';
import { decideAccess, type Principal } from '../../shared/domain/access/access-policy';
import { routeAccess } from '../../shared/domain/access/route-policies';
import { testEndpoints } from '../support/endpoints';
import { cognitoClient, signIn } from '../support/identity';

/**
 * Every route the synthesized API serves, called over HTTP as anonymous, customer, vendor and admin: each answer
 * must be what the access matrix decides. A route without a matrix entry fails here (and at synth).
 */
describe('the access matrix, over HTTP', () => {
  const endpoints = testEndpoints();
  const assembly = CloudAssembly.load(process.env.STOCKADE_TEST_CDK_OUT as string, 'dev');
  const [model] = readRestApis(assembly, new IntrinsicResolver(assembly, () => undefined));
  const routes = (model?.routes ?? []).filter((r) => r.httpMethod !== 'OPTIONS').map((r) => `${r.httpMethod} ${r.resourcePath}`);
  const config = resolveStageConfig({ stage: 'dev' });
  const principals: Record<string, Principal | undefined> = {
    anonymous: undefined,
    customer: { sub: 'c', groups: ['customer'], mfa: false },
    vendor: { sub: 'v', groups: ['vendor'], mfa: true },
    admin: { sub: 'a', groups: ['admin'], mfa: true },
  };
  const tokens: Record<string, string | undefined> = {};

  beforeAll(async () => {
    const client = cognitoClient();
    const users = endpoints.users as NonNullable<typeof endpoints.users>;
    tokens.customer = await signIn(client, users.customer);
    tokens.vendor = await signIn(client, users.vendor);
    tokens.admin = await signIn(client, users.admin);
    client.destroy();
  });

  it('every route of the API has a matrix entry', () => {
    expect(routes.length).toBeGreaterThanOrEqual(3);
    expect(routes.filter((r) => routeAccess(r) === undefined)).toEqual([]);
  });

  const cases = routes.flatMap((route) => Object.keys(principals).map((caller) => [route, caller] as const));
  it.each(cases)('%s as %s answers as the matrix decides', async (route, caller) => {
    const [method, template] = route.split(' ') as [string, string];
    // A well-formed id that exists nowhere: allowed callers reach the handler and its object-level checks.
    const path = template.replace(/\{[^}]+\}/g, '01HZZZZZZZZZZZZZZZZZZZZZZZ');
    const token = tokens[caller];
    const response = await fetch(`${endpoints.apiUrl}${path}`, { method, headers: token ? { Authorization: `Bearer ${token}` } : {} });
    const decision = decideAccess(route, principals[caller], { sourceIp: '127.0.0.1', at: new Date() }, { adminAllowedCidrs: config.admin.allowedCidrs });
    if (decision.effect === 'allow') {
      // Allowed callers reach the handler, which may still refuse the placeholder input (400, 404) but never as an
      // access decision (401, 403) and never with a server error.
      const reached = response.status !== 401 && response.status !== 403 && response.status < 500;
      expect({ route, caller, status: reached ? 'reached' : response.status }).toEqual({ route, caller, status: 'reached' });
    } else {
      expect({ route, caller, status: response.status }).toEqual({ route, caller, status: decision.status });
    }
  });
});
