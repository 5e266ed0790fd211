import { readRestApis } from '../../local/aws/apigw/rest-api-model';
import { CloudAssembly } from '../../local/runtime/assembly';
import { IntrinsicResolver } from '../../local/runtime/intrinsics';
import { testEndpoints } from '../support/endpoints';
import { cognitoClient, newCustomer, signIn } from '../support/identity';

type Caller = 'anonymous' | 'customer' | 'vendor' | 'admin';
/** `reached`: the request passed the access decision (the handler may still refuse the placeholder input with 4xx). */
type Expected = 'reached' | 401 | 403;

const PUBLIC = { anonymous: 'reached', customer: 'reached', vendor: 'reached', admin: 'reached' } as const;
const CUSTOMERS = { anonymous: 401, customer: 'reached', vendor: 403, admin: 403 } as const;
const VENDORS = { anonymous: 401, customer: 403, vendor: 'reached', admin: 403 } as const;
const ADMINS = { anonymous: 401, customer: 403, vendor: 403, admin: 'reached' } as const;
const MEMBERS = { anonymous: 401, customer: 'reached', vendor: 'reached', admin: 'reached' } as const;

/**
 * What each caller must get from each route, written for this test from api-contract.md, not computed by the policy
 * function the authorizer runs (a wrong policy would otherwise agree with itself). Admin calls come from 127.0.0.1,
 * inside the dev stage's admin networks; the vendor and the admin signed in with MFA. Webhooks take no token: every
 * caller reaches their signature check.
 */
const EXPECTED: Readonly<Record<string, Readonly<Record<Caller, Expected>>>> = {
  'GET /health': PUBLIC,
  'GET /openapi.json': PUBLIC,
  'GET /products': PUBLIC,
  'GET /products/{productId}': PUBLIC,
  'POST /webhooks/stripe': PUBLIC,
  'POST /webhooks/inventory/{providerId}': PUBLIC,

  'GET /cart': CUSTOMERS,
  'PUT /cart/items/{sku}': CUSTOMERS,
  'DELETE /cart/items/{sku}': CUSTOMERS,
  'DELETE /cart': CUSTOMERS,
  'POST /checkout': CUSTOMERS,
  'GET /orders': CUSTOMERS,
  'GET /orders/{orderId}': CUSTOMERS,
  'POST /orders/{orderId}/cancel': CUSTOMERS,
  'PUT /me/address': CUSTOMERS,
  'GET /me/address': CUSTOMERS,
  'GET /me/export': CUSTOMERS,
  'DELETE /me': CUSTOMERS,
  'GET /me': MEMBERS,

  'POST /vendor/products': VENDORS,
  'POST /vendor/products/batch': VENDORS,
  'PATCH /vendor/products/{productId}': VENDORS,
  'DELETE /vendor/products/{productId}': VENDORS,
  'POST /vendor/products/{productId}/stock': VENDORS,
  'GET /vendor/orders': VENDORS,

  'GET /admin/orders': ADMINS,
  'POST /admin/orders/{orderId}/refund': ADMINS,
  'GET /admin/audit': ADMINS,
  'GET /admin/reconciliation': ADMINS,
  'POST /admin/queues/{queueName}/redrive': ADMINS,
  'GET /admin/switches': ADMINS,
  'PUT /admin/switches/{name}': ADMINS,
  'POST /admin/users/{userId}/erasure': ADMINS,
};

/**
 * Every route the synthesized API serves, called over HTTP as anonymous, customer, vendor and admin: each answer
 * must be the one the table above expects. A served route the table lacks, or a row no route serves, fails here.
 */
describe('the access matrix, over HTTP', () => {
  const endpoints = testEndpoints();
  const assembly = CloudAssembly.load(process.env.STOCKADE_TEST_CDK_OUT as string, 'dev');
  const [model] = readRestApis(assembly, new IntrinsicResolver(assembly, () => undefined));
  const routes = (model?.routes ?? []).filter((r) => r.httpMethod !== 'OPTIONS').map((r) => `${r.httpMethod} ${r.resourcePath}`);
  const callers: readonly Caller[] = ['anonymous', 'customer', 'vendor', 'admin'];
  const tokens: Partial<Record<Caller, string>> = {};
  /** DELETE /me erases its caller: the customer who calls it is one of its own, never the shared demo customer. */
  let erasable = '';

  beforeAll(async () => {
    const client = cognitoClient();
    const users = endpoints.users as NonNullable<typeof endpoints.users>;
    tokens.customer = await signIn(client, users.customer);
    tokens.vendor = await signIn(client, users.vendor);
    tokens.admin = await signIn(client, users.admin);
    erasable = (await newCustomer(client, 'matrix-erasure', { withAddress: false })).accessToken;
    client.destroy();
  });

  it('the table names exactly the routes the API serves', () => {
    expect(routes.length).toBeGreaterThanOrEqual(3);
    expect([...routes].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  const cases = routes.flatMap((route) => callers.map((caller) => [route, caller] as const));
  it.each(cases)('%s as %s answers as the table expects', async (route, caller) => {
    const [method, template] = route.split(' ') as [string, string];
    // A well-formed id that exists nowhere: allowed callers reach the handler and its object-level checks.
    const path = template.replace(/\{[^}]+\}/g, '01HZZZZZZZZZZZZZZZZZZZZZZZ');
    const token = route === 'DELETE /me' && caller === 'customer' ? erasable : tokens[caller];
    const response = await fetch(`${endpoints.apiUrl}${path}`, { method, headers: token ? { Authorization: `Bearer ${token}` } : {} });
    const expected = EXPECTED[route]?.[caller];
    // Reached: never an access refusal (401, 403) and never a server error; the placeholder input may be a 400 or 404.
    const got =
      expected === 'reached' ? (response.status !== 401 && response.status !== 403 && response.status < 500 ? 'reached' : response.status) : response.status;
    expect({ route, caller, status: got }).toEqual({ route, caller, status: expected });
  });
});
