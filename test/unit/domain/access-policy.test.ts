import { type AccessPolicyConfig, decideAccess, knownGroups, type Principal } from '../../../shared/domain/access/access-policy';
import { type Group, ROUTE_POLICIES } from '../../../shared/domain/access/route-policies';

const config: AccessPolicyConfig = { adminAllowedCidrs: ['10.0.0.0/8', '2001:db8::/32'] };
const inside = { sourceIp: '10.1.2.3', at: new Date('2026-11-22T12:00:00Z') };
const outside = { sourceIp: '203.0.113.9', at: new Date('2026-11-22T12:00:00Z') };

const member = (groups: Group[], mfa = true): Principal => ({ sub: `sub-${groups.join('-') || 'none'}`, groups, mfa });
const callers: Record<string, Principal | undefined> = {
  anonymous: undefined,
  customer: member(['customer'], false),
  vendor: member(['vendor']),
  admin: member(['admin']),
};

/** What each caller gets from each kind of route, from a network inside the admin allow-list. */
function expected(route: keyof typeof ROUTE_POLICIES, caller: string): 'allow' | 401 | 403 {
  const access = ROUTE_POLICIES[route];
  if (access.kind !== 'member') return 'allow';
  if (caller === 'anonymous') return 401;
  return (access.groups as readonly string[]).includes(caller) ? 'allow' : 403;
}

describe('decideAccess: the route matrix', () => {
  const cases = Object.keys(ROUTE_POLICIES).flatMap((route) => Object.keys(callers).map((caller) => [route as keyof typeof ROUTE_POLICIES, caller] as const));

  it.each(cases)('%s as %s follows the matrix', (route, caller) => {
    const decision = decideAccess(route, callers[caller], inside, config);
    const want = expected(route, caller);
    expect(decision.effect === 'allow' ? 'allow' : decision.status).toBe(want);
  });

  it('covers every route of the contract exactly once', () => {
    expect(Object.keys(ROUTE_POLICIES)).toHaveLength(33);
    expect(new Set(Object.keys(ROUTE_POLICIES)).size).toBe(33);
  });

  it('denies a route it has no entry for', () => {
    expect(decideAccess('GET /secret-debug', member(['admin']), inside, config)).toMatchObject({ effect: 'deny', status: 404 });
  });
});

describe('decideAccess: attribute conditions', () => {
  it('refuses admin routes from outside the admin networks, over IPv4 and IPv6', () => {
    expect(decideAccess('GET /admin/audit', member(['admin']), outside, config)).toMatchObject({ effect: 'deny', status: 403 });
    expect(decideAccess('GET /admin/audit', member(['admin']), { ...inside, sourceIp: '2001:db8::1' }, config).effect).toBe('allow');
    expect(decideAccess('GET /admin/audit', member(['admin']), { ...inside, sourceIp: '2001:db9::1' }, config).effect).toBe('deny');
    expect(decideAccess('GET /admin/audit', member(['admin']), { at: inside.at }, config).effect).toBe('deny');
    expect(decideAccess('GET /admin/audit', member(['admin']), inside, { adminAllowedCidrs: [] }).effect).toBe('deny');
  });

  it('does not apply the admin network rule to non-admin routes an admin may call', () => {
    expect(decideAccess('GET /me', member(['admin']), outside, config).effect).toBe('allow');
  });

  it('refuses privileged members without MFA evidence on every member route', () => {
    expect(decideAccess('GET /vendor/orders', member(['vendor'], false), inside, config)).toMatchObject({ status: 403 });
    expect(decideAccess('GET /admin/orders', member(['admin'], false), inside, config)).toMatchObject({ status: 403 });
    expect(decideAccess('GET /cart', member(['customer', 'vendor'], false), inside, config)).toMatchObject({ status: 403 });
    expect(decideAccess('GET /cart', member(['customer'], false), inside, config).effect).toBe('allow');
  });

  it('applies an admin time window, including one that wraps midnight', () => {
    const night = { adminAllowedCidrs: ['10.0.0.0/8'], adminHoursUtc: { from: 22, to: 6 } };
    const at = (h: number) => ({ sourceIp: '10.0.0.1', at: new Date(Date.UTC(2026, 10, 22, h)) });
    expect(decideAccess('GET /admin/audit', member(['admin']), at(23), night).effect).toBe('allow');
    expect(decideAccess('GET /admin/audit', member(['admin']), at(3), night).effect).toBe('allow');
    expect(decideAccess('GET /admin/audit', member(['admin']), at(12), night).effect).toBe('deny');
  });

  it('can require a source address on member routes', () => {
    expect(decideAccess('GET /cart', member(['customer']), { at: inside.at }, { ...config, requireSourceIp: true })).toMatchObject({ status: 403 });
    expect(decideAccess('GET /products', undefined, { at: inside.at }, { ...config, requireSourceIp: true }).effect).toBe('allow');
  });
});

describe('knownGroups', () => {
  it('keeps only Stockade groups from a claim', () => {
    expect(knownGroups(['customer', 'root', 'admin'])).toEqual(['customer', 'admin']);
    expect(knownGroups('vendor customer')).toEqual(['customer', 'vendor']);
    expect(knownGroups(undefined)).toEqual([]);
  });
});
