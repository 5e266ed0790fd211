import { BlockList, isIP } from 'node:net';
import { MFA_TOTP } from '../identity/mfa-evidence';
import { type Group, GROUPS, routeAccess } from './route-policies';

/** Who is calling, as the authorizer established it from a verified access token. */
export interface Principal {
  readonly sub: string;
  readonly groups: readonly Group[];
  /** The token carries the MFA evidence our token trigger adds (sign-in needed a TOTP code). */
  readonly mfa: boolean;
  /** The account's e-mail, from the access token (checkout's default contact); personal data, never logged. */
  readonly email?: string;
}

/** Facts about the request that attribute conditions may use. */
export interface RequestAttributes {
  readonly sourceIp?: string;
  readonly at: Date;
}

/** Attribute conditions per stage (lib/config), passed to the authorizer as configuration. */
export interface AccessPolicyConfig {
  /** Networks admin routes may be called from; empty denies every admin call. */
  readonly adminAllowedCidrs: readonly string[];
  /** If set, admin routes only between these UTC hours (from inclusive, to exclusive; may wrap midnight). */
  readonly adminHoursUtc?: { readonly from: number; readonly to: number };
  /** Refuse member routes when the request carries no source IP. @default false */
  readonly requireSourceIp?: boolean;
}

export type AccessDecision = { readonly effect: 'allow' } | { readonly effect: 'deny'; readonly status: 401 | 403 | 404; readonly reason: string };

/** Groups whose members must have signed in with MFA, whatever the route. */
export const PRIVILEGED_GROUPS: readonly Group[] = ['admin', 'vendor'];

/**
 * Decides whether `principal` may call `route` (RBAC from the route matrix plus ABAC conditions): admin routes
 * need the admin group, MFA and a source address inside the stage's admin allow-list (and, if configured, the
 * admin hours); vendor routes need the vendor group and MFA; any member route can require a known source IP.
 * Object-level checks (whose order, whose product) belong to the use cases, not here.
 */
export function decideAccess(route: string, principal: Principal | undefined, request: RequestAttributes, config: AccessPolicyConfig): AccessDecision {
  const access = routeAccess(route);
  if (!access) return { effect: 'deny', status: 404, reason: `no policy for ${route}` };
  if (access.kind === 'public' || access.kind === 'webhook') return { effect: 'allow' };
  if (!principal) return { effect: 'deny', status: 401, reason: 'no verified identity' };

  const allowedGroups = access.groups.filter((g) => principal.groups.includes(g));
  if (allowedGroups.length === 0) return { effect: 'deny', status: 403, reason: `route needs one of ${access.groups.join(', ')}` };
  // A privileged member without MFA evidence is refused everywhere, not only on privileged routes.
  if (principal.groups.some((g) => PRIVILEGED_GROUPS.includes(g)) && !principal.mfa) {
    return { effect: 'deny', status: 403, reason: 'privileged members must sign in with MFA' };
  }
  if (config.requireSourceIp && !request.sourceIp) return { effect: 'deny', status: 403, reason: 'no source address' };

  // The route's tier decides the network and hour conditions: an admin route is one only admins may call, and a
  // route open to every member (GET /me) is not an admin route because an admin calls it.
  if (access.groups.every((g) => g === 'admin')) {
    if (!request.sourceIp || !inNetworks(request.sourceIp, config.adminAllowedCidrs)) {
      return { effect: 'deny', status: 403, reason: 'admin routes are not reachable from this network' };
    }
    if (config.adminHoursUtc && !withinHours(request.at, config.adminHoursUtc)) {
      return { effect: 'deny', status: 403, reason: 'admin routes are closed at this hour' };
    }
  }
  return { effect: 'allow' };
}

/** Groups from a token claim, keeping only the ones Stockade knows. */
export function knownGroups(claim: unknown): Group[] {
  const values = Array.isArray(claim) ? claim : typeof claim === 'string' ? claim.split(/[ ,]/) : [];
  return GROUPS.filter((g) => values.includes(g));
}

function inNetworks(ip: string, cidrs: readonly string[]): boolean {
  const family = isIP(ip);
  if (family === 0) return false;
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address, bits] = cidr.split('/');
    if (!address || bits === undefined) continue;
    const cidrFamily = isIP(address);
    if (cidrFamily === 0) continue;
    list.addSubnet(address, Number(bits), cidrFamily === 4 ? 'ipv4' : 'ipv6');
  }
  return list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

function withinHours(at: Date, hours: { from: number; to: number }): boolean {
  const h = at.getUTCHours();
  return hours.from <= hours.to ? h >= hours.from && h < hours.to : h >= hours.from || h < hours.to;
}

/** The principal a verified access token describes; MFA only with the evidence claim our token trigger adds. */
export function principalFrom(token: { sub: string; groups: readonly string[]; mfaClaim?: string; email?: string }): Principal {
  return { sub: token.sub, groups: knownGroups(token.groups), mfa: token.mfaClaim === MFA_TOTP, ...(token.email ? { email: token.email } : {}) };
}
