import { BlockList, isIP } from 'node:net';
import { type CustomBlockResponse, getAttArnOf, type IpSetModel, type WafAction, type WebAclModel } from './web-acl-model';

/** A web request as AWS WAF inspects it in front of a REST API stage. */
export interface WafRequest {
  /** The address of the connection (IPv4-mapped IPv6 addresses as IPv4), which AWS WAF calls the origin IP. */
  readonly sourceIp: string;
  readonly method: string;
  /** The URI path as sent, still percent-encoded, starting with the stage as on the execute-api host (/v1/checkout). */
  readonly uriPath: string;
  /** The query string as sent, without the `?`. */
  readonly queryString: string;
  /** Header names and values, as sent. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
}

/** What the web ACL decided: let the request through, or block it (with the rule's custom response, if it has one). */
export type WafVerdict =
  { readonly action: 'allow'; readonly rule?: string } | { readonly action: 'block'; readonly rule?: string; readonly custom?: CustomBlockResponse };

export interface WebAclOptions {
  /**
   * Multiplies every rate-based rule's evaluation window (EvaluationWindowSec, 300 s by default), so tests can
   * watch a window pass: 0.01 makes 5 minutes 3 seconds. @default 1
   */
  readonly windowScale?: number;
  /** Play rate-based rules (off for load tests and the shared test runtime). @default true */
  readonly rateRules?: boolean;
  /** The clock, in milliseconds. @default performance.now */
  readonly now?: () => number;
}

/** A rule of the template that the local runtime does not play, and why. */
export interface UnplayedRule {
  readonly name: string;
  readonly reason: string;
  /** An AWS managed rule group (AWSManagedRules*): its rules are AWS's and not published, so they cannot be played. */
  readonly managed: boolean;
}

/** A rule as played: its name, action and a predicate over the request. */
interface PlayedRule {
  readonly name: string;
  readonly action: WafAction;
  readonly matches: (request: InspectedRequest) => boolean;
  /** Set for a rate-based rule: how it is described at start. */
  readonly rate?: { readonly limit: number; readonly windowSeconds: number };
}

/** A request with what the statements read from it prepared once. */
interface InspectedRequest extends WafRequest {
  readonly bodyLimit: number;
  readonly now: number;
}

/** Thrown while compiling a statement the local runtime cannot play; the rule is then reported and never matches. */
class NotPlayable extends Error {}

/** Field values as AWS WAF compares them: bytes, held one char per byte. */
type FieldValues = { readonly values: readonly string[]; readonly oversize?: 'MATCH' | 'NO_MATCH' };

/** A forwarded-IP statement whose header is missing or malformed, with FallbackBehavior MATCH. */
const FALLBACK_MATCH = Symbol('fallback-match');

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The one key of a statement object (`{ ByteMatchStatement: {...} }`). */
function soleEntry(value: unknown, what: string): [string, Record<string, unknown>] {
  if (!isRecord(value)) throw new NotPlayable(`${what} is not an object`);
  const entries = Object.entries(value);
  const [entry] = entries;
  if (entries.length !== 1 || !entry || !isRecord(entry[1])) throw new NotPlayable(`${what} must name exactly one type`);
  return entry as [string, Record<string, unknown>];
}

const latin1 = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

/** AWS WAF's text transformations that the local runtime plays, on byte strings. */
const TRANSFORMATIONS: Readonly<Record<string, (value: string) => string>> = {
  NONE: (v) => v,
  LOWERCASE: (v) => v.replace(/[A-Z]/g, (c) => c.toLowerCase()),
  COMPRESS_WHITE_SPACE: (v) => v.replace(/[\t\n\v\f\r \xa0]+/g, ' '),
  URL_DECODE: (v) => v.replace(/\+/g, ' ').replace(/%([0-9a-fA-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
  URL_DECODE_UNI: (v) =>
    v
      .replace(/%u([0-9a-fA-F]{4})/g, (_m, hex: string) => latin1(String.fromCharCode(parseInt(hex, 16))))
      .replace(/%([0-9a-fA-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
  BASE64_DECODE: (v) => Buffer.from(v, 'base64').toString('latin1'),
  HEX_DECODE: (v) => Buffer.from(v.replace(/[^0-9a-fA-F]/g, ''), 'hex').toString('latin1'),
  REMOVE_NULLS: (v) => v.replace(/\0/g, ''),
  REPLACE_NULLS: (v) => v.replace(/\0/g, ' '),
};

function transformations(value: unknown): (text: string) => string {
  const steps = (Array.isArray(value) ? value : [])
    .filter(isRecord)
    .sort((a, b) => Number(a.Priority ?? 0) - Number(b.Priority ?? 0))
    .map((t) => {
      const type = String(t.Type);
      const transform = TRANSFORMATIONS[type];
      if (!transform) throw new NotPlayable(`text transformation ${type}`);
      return transform;
    });
  return (text) => steps.reduce((v, step) => step(v), text);
}

function headerValues(request: WafRequest, name: string): string[] {
  const wanted = name.toLowerCase();
  // Node reads header bytes as latin1: one char per byte already.
  return request.headers.filter(([n]) => n.toLowerCase() === wanted).map(([, v]) => v);
}

function queryArguments(queryString: string): Array<[string, string]> {
  return queryString
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
    });
}

/** Reads the part of the request a FieldToMatch names. */
function fieldReader(fieldToMatch: unknown): (request: InspectedRequest) => FieldValues {
  const [field, settings] = soleEntry(fieldToMatch, 'FieldToMatch');
  switch (field) {
    case 'UriPath':
      return (r) => ({ values: [latin1(r.uriPath)] });
    case 'QueryString':
      return (r) => ({ values: [latin1(r.queryString)] });
    case 'Method':
      return (r) => ({ values: [r.method.toUpperCase()] });
    case 'SingleHeader': {
      const name = String(settings.Name ?? '');
      return (r) => ({ values: headerValues(r, name) });
    }
    case 'SingleQueryArgument': {
      const name = String(settings.Name ?? '').toLowerCase();
      return (r) => ({
        values: queryArguments(r.queryString)
          .filter(([n]) => n.toLowerCase() === name)
          .map(([, v]) => latin1(v)),
      });
    }
    case 'AllQueryArguments':
      return (r) => ({ values: queryArguments(r.queryString).map(([, v]) => latin1(v)) });
    case 'Body': {
      const handling = String(settings.OversizeHandling ?? 'CONTINUE');
      if (!['CONTINUE', 'MATCH', 'NO_MATCH'].includes(handling)) throw new NotPlayable(`Body OversizeHandling ${handling}`);
      return (r) => {
        // API Gateway forwards only the first bodyLimit bytes to AWS WAF; beyond them the rule's oversize handling applies.
        const inspected = r.body.subarray(0, r.bodyLimit).toString('latin1');
        const oversize = r.body.length > r.bodyLimit && handling !== 'CONTINUE' ? (handling as 'MATCH' | 'NO_MATCH') : undefined;
        return { values: [inspected], ...(oversize ? { oversize } : {}) };
      };
    }
    default:
      throw new NotPlayable(`FieldToMatch ${field}`);
  }
}

/** Compares field values after transformation; oversize handling decides before any comparison. */
function fieldMatcher(statement: Record<string, unknown>, compare: (value: string) => boolean): (request: InspectedRequest) => boolean {
  const read = fieldReader(statement.FieldToMatch);
  const transform = transformations(statement.TextTransformations);
  return (request) => {
    const field = read(request);
    if (field.oversize) return field.oversize === 'MATCH';
    return field.values.some((value) => compare(transform(value)));
  };
}

const WORD = /[A-Za-z0-9_]/;

function byteMatch(s: Record<string, unknown>): (request: InspectedRequest) => boolean {
  const search =
    typeof s.SearchStringBase64 === 'string' ? Buffer.from(s.SearchStringBase64, 'base64').toString('latin1') : latin1(String(s.SearchString ?? ''));
  const position = String(s.PositionalConstraint);
  const compare: Record<string, (v: string) => boolean> = {
    EXACTLY: (v) => v === search,
    STARTS_WITH: (v) => v.startsWith(search),
    ENDS_WITH: (v) => v.endsWith(search),
    CONTAINS: (v) => v.includes(search),
    CONTAINS_WORD: (v) => {
      for (let at = v.indexOf(search); at >= 0; at = v.indexOf(search, at + 1)) {
        const before = at === 0 ? '' : (v[at - 1] as string);
        const after = v[at + search.length] ?? '';
        if (!WORD.test(before) && !WORD.test(after)) return true;
      }
      return false;
    },
  };
  const chosen = compare[position];
  if (!chosen) throw new NotPlayable(`PositionalConstraint ${position}`);
  return fieldMatcher(s, chosen);
}

function sizeConstraint(s: Record<string, unknown>): (request: InspectedRequest) => boolean {
  const size = Number(s.Size);
  const operators: Record<string, (n: number) => boolean> = {
    EQ: (n) => n === size,
    NE: (n) => n !== size,
    LE: (n) => n <= size,
    LT: (n) => n < size,
    GE: (n) => n >= size,
    GT: (n) => n > size,
  };
  const operator = operators[String(s.ComparisonOperator)];
  if (!operator || !Number.isFinite(size)) throw new NotPlayable(`SizeConstraintStatement ${String(s.ComparisonOperator)} ${String(s.Size)}`);
  return fieldMatcher(s, (value) => operator(value.length));
}

function regexMatch(s: Record<string, unknown>): (request: InspectedRequest) => boolean {
  let pattern: RegExp;
  try {
    // The pattern is the template's own (RegexMatchStatement), run only on this machine's loopback traffic.
    // eslint-disable-next-line security/detect-non-literal-regexp
    pattern = new RegExp(String(s.RegexString));
  } catch {
    throw new NotPlayable(`RegexString ${String(s.RegexString)}`);
  }
  return fieldMatcher(s, (value) => pattern.test(value));
}

/** The client IP a statement reads: the connection's, or a forwarded header's when its ForwardedIPConfig says so. */
function clientIp(config: unknown, position: 'FIRST' | 'LAST' | 'ANY' = 'FIRST'): (request: WafRequest) => string[] | typeof FALLBACK_MATCH | undefined {
  if (!isRecord(config)) return (r) => [r.sourceIp];
  const header = String(config.HeaderName ?? 'X-Forwarded-For');
  const fallback = String(config.FallbackBehavior ?? 'NO_MATCH');
  return (r) => {
    const value = headerValues(r, header)[0];
    const addresses = (value ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    const chosen = position === 'ANY' ? addresses : position === 'LAST' ? addresses.slice(-1) : addresses.slice(0, 1);
    // A missing or malformed header: the statement's FallbackBehavior decides (MATCH applies the rule, NO_MATCH skips it).
    if (chosen.length === 0 || chosen.some((a) => isIP(a) === 0)) return fallback === 'MATCH' ? FALLBACK_MATCH : undefined;
    return chosen;
  };
}

function ipSetReference(s: Record<string, unknown>, ipSets: ReadonlyMap<string, IpSetModel>): (request: InspectedRequest) => boolean {
  const id = getAttArnOf(s.Arn);
  const set = id ? ipSets.get(id) : undefined;
  if (!set) throw new NotPlayable('IPSetReferenceStatement to an IP set outside the template');
  const list = new BlockList();
  for (const cidr of set.addresses) {
    const [address = '', bits] = cidr.split('/');
    const family = isIP(address);
    if (family === 0) throw new NotPlayable(`IP set ${set.logicalId} address ${cidr}`);
    list.addSubnet(address, Number(bits ?? (family === 4 ? 32 : 128)), family === 4 ? 'ipv4' : 'ipv6');
  }
  const forwarded = isRecord(s.IPSetForwardedIPConfig) ? s.IPSetForwardedIPConfig : undefined;
  const position = String(forwarded?.Position ?? 'FIRST') as 'FIRST' | 'LAST' | 'ANY';
  const ips = clientIp(forwarded, position);
  return (request) => {
    const chosen = ips(request);
    if (chosen === FALLBACK_MATCH) return true;
    return (chosen ?? []).some((ip) => list.check(ip, isIP(ip) === 4 ? 'ipv4' : 'ipv6'));
  };
}

/** Compiles a (non rate-based) statement into a predicate; throws NotPlayable for what the local runtime cannot play. */
function compileStatement(statement: unknown, ipSets: ReadonlyMap<string, IpSetModel>): (request: InspectedRequest) => boolean {
  const [type, s] = soleEntry(statement, 'Statement');
  switch (type) {
    case 'ByteMatchStatement':
      return byteMatch(s);
    case 'SizeConstraintStatement':
      return sizeConstraint(s);
    case 'RegexMatchStatement':
      return regexMatch(s);
    case 'IPSetReferenceStatement':
      return ipSetReference(s, ipSets);
    case 'AndStatement': {
      const parts = (Array.isArray(s.Statements) ? s.Statements : []).map((p) => compileStatement(p, ipSets));
      return (r) => parts.every((p) => p(r));
    }
    case 'OrStatement': {
      const parts = (Array.isArray(s.Statements) ? s.Statements : []).map((p) => compileStatement(p, ipSets));
      return (r) => parts.some((p) => p(r));
    }
    case 'NotStatement': {
      const inner = compileStatement(s.Statement, ipSets);
      return (r) => !inner(r);
    }
    default:
      throw new NotPlayable(type);
  }
}

/**
 * A rate-based statement: requests that pass its scope-down statement are counted per aggregation key (the client IP)
 * over a trailing window; while a key has more than Limit requests in the window, its requests match.
 */
function rateBased(s: Record<string, unknown>, ipSets: ReadonlyMap<string, IpSetModel>, windowScale: number) {
  const limit = Number(s.Limit);
  const windowSeconds = Number(s.EvaluationWindowSec ?? 300);
  if (!Number.isFinite(limit) || limit < 1 || !Number.isFinite(windowSeconds)) throw new NotPlayable(`RateBasedStatement limit ${String(s.Limit)}`);
  const keyType = String(s.AggregateKeyType ?? 'IP');
  let keyOf: (request: WafRequest) => string | typeof FALLBACK_MATCH | undefined;
  if (keyType === 'IP') keyOf = (r) => r.sourceIp;
  else if (keyType === 'CONSTANT') keyOf = () => 'constant';
  else if (keyType === 'FORWARDED_IP') {
    const ips = clientIp(isRecord(s.ForwardedIPConfig) ? s.ForwardedIPConfig : { HeaderName: 'X-Forwarded-For' });
    keyOf = (r) => {
      const chosen = ips(r);
      return chosen === FALLBACK_MATCH ? FALLBACK_MATCH : chosen?.[0];
    };
  } else throw new NotPlayable(`RateBasedStatement AggregateKeyType ${keyType}`);
  const scopeDown = s.ScopeDownStatement === undefined ? undefined : compileStatement(s.ScopeDownStatement, ipSets);
  const windowMs = windowSeconds * 1000 * windowScale;
  const seen = new Map<string, number[]>();
  const matches = (request: InspectedRequest): boolean => {
    if (scopeDown && !scopeDown(request)) return false;
    const key = keyOf(request);
    if (key === FALLBACK_MATCH) return true;
    if (key === undefined) return false;
    const times = seen.get(key) ?? [];
    let expired = 0;
    while (expired < times.length && (times[expired] as number) <= request.now - windowMs) expired++;
    if (expired > 0) times.splice(0, expired);
    times.push(request.now);
    seen.set(key, times);
    return times.length > limit;
  };
  return { matches, limit, windowSeconds };
}

/**
 * A web ACL played in front of the local REST API: its own rules, in priority order, with their actions; the first
 * terminating match (Block, Allow) decides, Count goes on, and the default action decides when none matched. AWS
 * managed rule groups and statements the runtime cannot play are reported by `unplayed` and never match.
 */
export class WebAcl {
  readonly unplayed: readonly UnplayedRule[];
  private readonly played: readonly PlayedRule[];
  private readonly now: () => number;

  constructor(
    readonly model: WebAclModel,
    private readonly options: WebAclOptions = {},
  ) {
    this.now = options.now ?? (() => performance.now());
    const played: PlayedRule[] = [];
    const unplayed: UnplayedRule[] = [];
    for (const rule of model.rules) {
      const [type, s] = isRecord(rule.statement) ? (Object.entries(rule.statement)[0] ?? ['', {}]) : ['', {}];
      if (type === 'ManagedRuleGroupStatement') {
        const name = isRecord(s) ? String(s.Name ?? rule.name) : rule.name;
        unplayed.push({ name, reason: 'AWS managed rule group', managed: true });
        continue;
      }
      if (!rule.action) {
        unplayed.push({ name: rule.name, reason: 'action (Captcha, Challenge or a rule group override)', managed: false });
        continue;
      }
      try {
        if (type === 'RateBasedStatement' && isRecord(s)) {
          if (options.rateRules === false) {
            unplayed.push({ name: rule.name, reason: 'rate-based rules off', managed: false });
            continue;
          }
          const rate = rateBased(s, model.ipSets, options.windowScale ?? 1);
          played.push({ name: rule.name, action: rule.action, matches: rate.matches, rate: { limit: rate.limit, windowSeconds: rate.windowSeconds } });
        } else {
          played.push({ name: rule.name, action: rule.action, matches: compileStatement(rule.statement, model.ipSets) });
        }
      } catch (error) {
        if (!(error instanceof NotPlayable)) throw error;
        unplayed.push({ name: rule.name, reason: error.message, managed: false });
      }
    }
    this.played = played;
    this.unplayed = unplayed;
  }

  /** Names of the rules played, with rate-based rules' limits (for the start-up banner). */
  get playedRules(): string[] {
    const scale = this.options.windowScale ?? 1;
    return this.played.map((r) =>
      r.rate ? `${r.name} (${r.rate.limit} per ${seconds(r.rate.windowSeconds * scale)} per IP${scale === 1 ? '' : `, window x${scale}`})` : r.name,
    );
  }

  /** Evaluates the rules on a request, in priority order. */
  evaluate(request: WafRequest): WafVerdict {
    const inspected: InspectedRequest = { ...request, bodyLimit: this.model.bodyInspectionLimit, now: this.now() };
    for (const rule of this.played) {
      if (!rule.matches(inspected)) continue;
      if (rule.action.kind === 'count') continue;
      if (rule.action.kind === 'allow') return { action: 'allow', rule: rule.name };
      return { action: 'block', rule: rule.name, ...(rule.action.custom ? { custom: rule.action.custom } : {}) };
    }
    const fallback = this.model.defaultAction;
    return fallback.kind === 'block' ? { action: 'block', ...(fallback.custom ? { custom: fallback.custom } : {}) } : { action: 'allow' };
  }

  /** Start-up lines: what is played, and every rule that is not (AWS managed rule groups by name). */
  describe(): string[] {
    const managed = this.unplayed.filter((r) => r.managed).map((r) => r.name);
    const other = this.unplayed.filter((r) => !r.managed);
    return [
      `${'WAF'.padEnd(16)} web ACL ${this.model.name}: ${this.played.length ? this.playedRules.join(', ') : 'no rule'} played`,
      ...(managed.length ? [`${''.padEnd(16)} ${managed.length} AWS managed rule groups not played locally: ${managed.join(', ')}`] : []),
      ...other.map((r) => `${''.padEnd(16)} rule ${r.name} not played locally (${r.reason}): it never matches here`),
    ];
  }
}

function seconds(s: number): string {
  if (s >= 60 && Number.isInteger(s / 60)) return `${s / 60} min`;
  return `${Number(s.toFixed(2))} s`;
}
