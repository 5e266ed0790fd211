import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { routeAccess } from '../../shared/domain/access/route-policies';
import { InventoryWebhookBodySchema } from '../../shared/schemas/inventory';
import type { Exchange, Violation, WireRequest } from './engine';
import { PROTOTYPE_KEYS } from './hostile';
import { GROUP_OF, inventorySignatureValid, markerIndexes, type Role, safeDecode, type StockadeRequest, stripeSignatureRefused } from './stockade-plan';

/**
 * The rules every answer of the API keeps, whatever it was sent, and the checks after a run: nothing written for a
 * refused request, nothing secret in the function logs, no stack trace logged at ERROR for a fuzzed request.
 */

/** A value that must never be shown: secrets and tokens, or names of the system's insides. */
export interface Needle {
  readonly label: string;
  readonly value: string;
}

export interface Needles {
  /** Never in an answer nor a log line. */
  readonly secrets: readonly Needle[];
  /** Never in an answer (logs may name them). */
  readonly internal: readonly Needle[];
}

const LEAK_PATTERNS: ReadonlyArray<readonly [string, RegExp]> = [
  ['a stack trace', /(?:\n|\\n)\s*at\s+[\w$.<>[\]]+/],
  ['a stack frame', /\(\S+:\d+:\d+\)/],
  ['a JavaScript error class', /\b(?:TypeError|ReferenceError|SyntaxError|RangeError|URIError|EvalError)\b/],
  ['a file path', /\/work\/|node_modules|\.[cm]?[jt]s:\d/],
  ['an ARN', /arn:aws[\w-]*:/],
  ['an internal resource name', /Stockade-(?:dev|staging|prod)-[A-Za-z]/],
  ['an AWS endpoint', /amazonaws\.com/],
];

/** Everything the client sent, as text, so what an answer merely echoes back is not called a leak. */
function requestText(wire: WireRequest): string {
  const headers = wire.headers.map(([, v]) => Buffer.from(v, 'latin1').toString('utf8'));
  return [wire.path, safeDecode(wire.path), ...headers, wire.body?.toString('utf8') ?? ''].join('\n');
}

/** What an answer shows that it must not. */
export function leaksIn(text: string, wire: WireRequest, needles: Needles): string[] {
  const sent = requestText(wire);
  const found: string[] = [];
  for (const [what, pattern] of LEAK_PATTERNS) {
    const match = pattern.exec(text);
    if (match && !sent.includes(match[0])) found.push(`shows ${what}: ${JSON.stringify(match[0].slice(0, 80))}`);
  }
  for (const needle of [...needles.secrets, ...needles.internal]) {
    if (needle.value.length >= 6 && text.includes(needle.value) && !sent.includes(needle.value)) found.push(`shows ${needle.label}`);
  }
  return found;
}

/**
 * Whether the request line is plain enough that the route and the caller alone decide the answer: every
 * percent-encoding decodes, no segment is normalized away, no prototype name among the query keys, headers well
 * under the server's limit. Only then are the access rules asserted (a gateway may refuse the rest earlier).
 */
export function plainRequest(request: StockadeRequest, wire: WireRequest): boolean {
  if (request.route === 'stray' || request.method === 'OPTIONS') return false;
  const q = wire.path.indexOf('?');
  const pathname = q < 0 ? wire.path : wire.path.slice(0, q);
  const query = q < 0 ? '' : wire.path.slice(q + 1);
  try {
    decodeURIComponent(wire.path);
  } catch {
    return false;
  }
  if (new URL(pathname, 'http://fuzz.invalid').pathname !== pathname) return false;
  const sent = pathname.split('/');
  const template = request.template.split('/');
  if (sent.length !== template.length) return false;
  for (let i = 0; i < template.length; i++) {
    const part = template[i] as string;
    const segment = sent[i] as string;
    if (part.startsWith('{')) {
      const value = safeDecode(segment);
      if (value.length === 0 || value.includes('/') || value === '.' || value === '..') return false;
    } else if (part !== segment) return false;
  }
  const keys = query.split('&').map((piece) => safeDecode(piece.split('=')[0] ?? ''));
  if (keys.some((k) => (PROTOTYPE_KEYS as readonly string[]).includes(k))) return false;
  // Limits the edge applies before the authorizer: the request line and headers, and the 16 KiB body limit.
  if (wire.path.length + wire.headers.reduce((n, [k, v]) => n + k.length + v.length, 0) >= 8_000) return false;
  return (wire.body?.length ?? 0) <= 16 * 1024;
}

/** A body that is no Stripe event at all: not a JSON object with a string id and type. */
function notAnEvent(body: Buffer | undefined): boolean {
  try {
    const parsed = JSON.parse(body?.toString('utf8') ?? '') as unknown;
    return (
      parsed === null ||
      typeof parsed !== 'object' ||
      Array.isArray(parsed) ||
      typeof (parsed as { id?: unknown }).id !== 'string' ||
      typeof (parsed as { type?: unknown }).type !== 'string'
    );
  } catch {
    return true;
  }
}

function invalidInventoryBody(body: Buffer | undefined): boolean {
  try {
    return !InventoryWebhookBodySchema.safeParse(JSON.parse(body?.toString('utf8') ?? '')).success;
  } catch {
    return true;
  }
}

/** The answers a request must get from who sent it and how: 401 without a good token, 403 for the wrong group, never 2xx unsigned. */
function accessViolations(request: StockadeRequest, exchange: Exchange<StockadeRequest>, providers: readonly string[]): string[] {
  const status = exchange.response?.status ?? 0;
  const ok = status >= 200 && status < 300;
  const out: string[] = [];
  const access = routeAccess(request.route);
  if (access?.kind === 'member') {
    const badToken =
      request.auth.kind === 'garbage' ||
      request.auth.kind === 'malformed' ||
      request.auth.kind === 'forged' ||
      (request.auth.kind === 'own' && request.caller === 'anonymous');
    if (badToken && ok)
      out.push(
        `a member route answered ${status} to ${request.auth.kind === 'forged' ? `a forged token (${request.auth.variant})` : 'a request without a valid token'}`,
      );
    // Throttling (429) refuses before anything else; any other answer to a plain request is the access rules'.
    if (status !== 429 && plainRequest(request, exchange.wire)) {
      if (badToken && status !== 401)
        out.push(
          `expected 401 for ${request.auth.kind === 'forged' ? `a forged token (${request.auth.variant})` : 'a missing or malformed token'}, got ${status}`,
        );
      if (request.auth.kind === 'own' && request.caller !== 'anonymous') {
        const allowed = access.groups.includes(GROUP_OF[request.caller as Role]);
        if (!allowed && status !== 403) out.push(`expected 403 for ${request.caller} (not in ${access.groups.join('/')}), got ${status}`);
        if (allowed && status === 401) out.push(`${request.caller} holds a valid token of an allowed group, got 401`);
      }
    }
  }
  const idem = request.idempotency;
  if (idem && ok) {
    const required = request.route === 'POST /checkout';
    if ((idem.kind === 'missing' && required) || (idem.kind === 'value' && !idem.valid) || idem.kind === 'duplicate')
      out.push(`answered ${status} despite ${idem.kind === 'missing' ? 'no' : 'a bad'} Idempotency-Key`);
  }
  if (request.stripeSignature && ok) {
    if (stripeSignatureRefused(request.stripeSignature)) out.push(`the Stripe webhook answered ${status} to a bad signature`);
    else if (notAnEvent(exchange.wire.body)) out.push(`the Stripe webhook answered ${status} to a signed body that is not an event`);
  }
  if (request.inventorySignature && ok) {
    const provider = safeDecode(request.params.providerId ?? '');
    if (!inventorySignatureValid(request.inventorySignature) || !providers.includes(provider))
      out.push(`the inventory webhook answered ${status} to a bad signature or provider`);
    else if (invalidInventoryBody(exchange.wire.body)) out.push(`the inventory webhook answered ${status} to a signed body its schema refuses`);
  }
  return out;
}

/**
 * The invariants of any answer of an API that speaks RFC 9457: no 5xx, every 4xx an application/problem+json body
 * whose numeric `status` is the HTTP status, and nothing in it (or its headers) that shows the insides.
 */
export function checkHttpAnswer(exchange: Exchange<unknown>, needles: Needles): Violation[] {
  const response = exchange.response;
  if (!response) return [{ invariant: 'answered', message: `no answer: ${exchange.transportError ?? 'unknown'}` }];
  const violations: Violation[] = [];
  const { status } = response;
  const text = response.body.toString('utf8');
  if (status >= 500) violations.push({ invariant: 'no-5xx', message: `answered ${status}` });
  if (status >= 400 && status < 500) {
    const type = String(response.headers['content-type'] ?? '')
      .split(';')[0]
      ?.trim()
      .toLowerCase();
    if (type !== 'application/problem+json')
      violations.push({
        invariant: 'problem-json',
        message: `${status} with Content-Type ${JSON.stringify(response.headers['content-type'] ?? '(none)')}, not application/problem+json`,
      });
    let problem: unknown;
    try {
      problem = JSON.parse(text);
    } catch {
      problem = undefined;
    }
    const problemStatus = problem !== null && typeof problem === 'object' ? (problem as { status?: unknown }).status : undefined;
    if (problemStatus !== status)
      violations.push({
        invariant: 'problem-json',
        message: `${status} whose body has no numeric "status": ${status} (${text.length === 0 ? 'empty body' : `status ${JSON.stringify(problemStatus)}`})`,
      });
  }
  const headerText = Object.entries(response.headers)
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join('\n');
  for (const leak of leaksIn(`${text}\n${headerText}`, exchange.wire, needles)) violations.push({ invariant: 'no-leak', message: `the answer ${leak}` });
  return violations;
}

/** The per-answer invariants of a Stockade run: those of any answer, and the access rules. */
export function checkExchange(exchange: Exchange<StockadeRequest>, needles: Needles, providers: readonly string[]): Violation[] {
  const all = checkHttpAnswer(exchange as Exchange<unknown>, needles);
  // GET /me/export is the caller's own data (issue 15): their e-mail address in it is the answer, not a leak.
  const ownExport = exchange.request.route === 'GET /me/export' && exchange.response?.status === 200;
  const violations = ownExport
    ? all.filter((v) => !(v.invariant === 'no-leak' && v.message === `the answer shows the ${String(exchange.request.caller)} e-mail address`))
    : all;
  if (!exchange.response) return violations;
  for (const message of accessViolations(exchange.request, exchange, providers)) violations.push({ invariant: 'access', message });
  return violations;
}

/** An item of a table that carries a run's marker. */
export interface MarkedItem {
  readonly table: string;
  readonly index: number;
  readonly key: string;
  readonly outcome?: string;
}

/** Scans every table for items carrying a marker of `runId` (scans are fine in tests; the API never scans). */
export async function markedItems(client: DynamoDBClient, tables: Readonly<Record<string, string>>, runId: string): Promise<MarkedItem[]> {
  const found: MarkedItem[] = [];
  for (const [logicalId, tableName] of Object.entries(tables)) {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }));
      for (const item of page.Items ?? []) {
        const text = JSON.stringify(item);
        for (const index of new Set(markerIndexes(text, runId))) {
          found.push({ table: logicalId, index, key: `${item.pk?.S ?? '?'} / ${item.sk?.S ?? '?'}`, ...(item.outcome?.S ? { outcome: item.outcome.S } : {}) });
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }
  return found;
}

/**
 * What a refused request wrote: any marked item whose request was not answered 2xx. Audit events of refusals
 * (outcome denied or failed) are the one write a refusal is meant to leave.
 */
export function writesOfRefused(
  items: readonly MarkedItem[],
  statusOf: (index: number) => number | undefined,
): Array<MarkedItem & { status: number | undefined }> {
  return items
    .map((item) => ({ ...item, status: statusOf(item.index) }))
    .filter((item) => !(item.status !== undefined && item.status >= 200 && item.status < 300))
    .filter((item) => !(item.table.startsWith('AuditTable') && (item.outcome === 'denied' || item.outcome === 'failed')));
}

export interface LogFinding {
  readonly file: string;
  readonly line: number;
  readonly message: string;
  /** The API Gateway request id of the fuzzed request the line belongs to. */
  readonly requestId?: string;
}

/** Sizes of the function logs now, so the ERROR scan reads only what the run appended. */
export function logOffsets(logDirectory: string): Map<string, number> {
  const offsets = new Map<string, number>();
  for (const file of safeList(logDirectory)) offsets.set(file, readFileSync(path.join(logDirectory, file)).length);
  return offsets;
}

function safeList(directory: string): string[] {
  try {
    return readdirSync(directory).filter((f) => f.endsWith('.log'));
  } catch {
    return [];
  }
}

/**
 * The function logs after a run: no secret anywhere in them (whoever wrote it), and no stack trace logged at ERROR
 * for a fuzzed request (found by its correlation id, the API Gateway request id the answer carried).
 */
export function scanLogs(
  logDirectory: string,
  secrets: readonly Needle[],
  requestIds: ReadonlySet<string>,
  offsets: ReadonlyMap<string, number>,
): LogFinding[] {
  const findings: LogFinding[] = [];
  for (const file of safeList(logDirectory)) {
    const content = readFileSync(path.join(logDirectory, file));
    const text = content.toString('utf8');
    for (const needle of secrets) {
      const at = needle.value.length >= 6 ? text.indexOf(needle.value) : -1;
      if (at >= 0) findings.push({ file, line: text.slice(0, at).split('\n').length, message: `contains ${needle.label}` });
    }
    const appended = content.subarray(offsets.get(file) ?? 0).toString('utf8');
    const firstLine = text.slice(0, text.length - appended.length).split('\n').length;
    appended.split('\n').forEach((line, i) => {
      if (!line.includes('"ERROR"')) return;
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (entry.level !== 'ERROR') return;
      const requestId = typeof entry.correlation_id === 'string' ? entry.correlation_id : undefined;
      const hasStack = /"stack"\s*:|\\n\s+at\s/.test(line);
      if (hasStack && requestId !== undefined && requestIds.has(requestId)) {
        findings.push({ file, line: firstLine + i, message: `a stack trace logged at ERROR (${String(entry.message ?? '')})`, requestId });
      }
    });
  }
  return findings;
}
