import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { ShippingAddress } from '../../shared/domain/model/shipping';
import { DEMO_ADDRESS, DEMO_PURCHASE_ADDRESS } from '../../local/demo/demo-address';
import { BERLIN } from './order-fakes';
import { US_ADDRESS } from './shipping';

/**
 * The log check of issue 15: no names, e-mail addresses or postal addresses in any log the suite leaves behind.
 * Generic detectors (any e-mail address, address-shaped JSON fields, international phone numbers) plus the
 * recipients and addresses the demo and the suite actually send (SUITE_ADDRESSES), wherever they appear in a line.
 */
export type PiiKind = 'email' | 'address-field' | 'name' | 'street' | 'postcode-city' | 'phone';

export interface PiiFinding {
  /** The log, relative to the scanned directory (or the name given to a text). */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  readonly kind: PiiKind;
  /** The line around the finding with every piece of personal data in it masked: safe to print. */
  readonly excerpt: string;
}

/**
 * The shipping addresses the demo and the test suite send to the runtime: the demo customers' default, the
 * demo purchase's recipient, the shipping e2e's US address, and the unit fakes' (harmless if never sent).
 */
export const SUITE_ADDRESSES: readonly ShippingAddress[] = [DEMO_ADDRESS, DEMO_PURCHASE_ADDRESS, US_ADDRESS, BERLIN];

/**
 * No e-mail address is legitimately in a log: the customers' are personal, the demo staff's name people, and Stockade
 * sends no mail of its own (alarm e-mails go to `alarm-emails.jsonl`, an outbox, not a log, and are not scanned).
 */
const EMAIL = /[A-Za-z0-9._%+-]{1,64}(?:@|%40)[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}\b/g;
/**
 * An address or contact field with a non-empty value (the value included), as JSON or as JSON inside a JSON string
 * (its quotes escaped).
 */
const ADDRESS_FIELD =
  /\\*"(?:line1|line2|postalCode|postal_code|contactEmail|email|phone|phoneNumber|phone_number|given_name|family_name)\\*"\s*:\s*\\*"[^"]+"|\\*"(?:shipTo|shippingAddress|defaultAddress)\\*"\s*:\s*\{\s*\\*"[^{}]*\}/g;
/** International numbers (a + and 8 to 18 digits, spaces, dots, dashes or brackets): the form a shop would be given. */
const PHONE = /(?<![\w.+-])\+\d{1,3}[ .()\d-]{6,16}\d(?![\w.])/g;

interface Span {
  readonly start: number;
  readonly end: number;
  readonly kind: PiiKind;
}

type Detector = (line: string) => Span[];

/** Every match of `pattern` (global) in `line`, as spans of `kind`. */
function matches(pattern: RegExp, kind: PiiKind, line: string, group?: (m: RegExpExecArray) => Span | undefined): Span[] {
  const spans: Span[] = [];
  for (const m of line.matchAll(pattern)) {
    const span = group ? group(m) : { start: m.index, end: m.index + m[0].length, kind };
    if (span) spans.push(span);
  }
  return spans;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A whole-word (Unicode-aware) occurrence of `text`, any run of whitespace matching any other. */
const word = (text: string) => `(?<![\\p{L}\\p{N}])${escapeRegExp(text.trim()).replace(/\s+/g, '\\s+')}(?![\\p{L}\\p{N}])`;

/**
 * Detectors for the given addresses: the recipient's full name, the street line (and the street without its number,
 * when that is long enough to mean something), and the postal code near the city (either order, within 60 characters:
 * neither alone names anyone).
 */
export function addressDetectors(addresses: readonly ShippingAddress[]): Detector[] {
  const unique = (values: Array<string | undefined>) => [...new Set(values.filter((v): v is string => !!v && v.trim().length >= 3))];
  const names = unique(addresses.map((a) => a.name));
  const streets = unique(
    addresses.flatMap((a) => [a.line1, a.line2 && a.line2.length >= 8 ? a.line2 : undefined, streetName(a.line1)]).filter((s) => s !== undefined),
  );
  const detectors: Detector[] = [];
  if (names.length > 0) {
    // eslint-disable-next-line security/detect-non-literal-regexp -- built from escaped constants of the suite
    const pattern = new RegExp(names.map(word).join('|'), 'gu');
    detectors.push((line) => matches(pattern, 'name', line));
  }
  if (streets.length > 0) {
    // eslint-disable-next-line security/detect-non-literal-regexp -- built from escaped constants of the suite
    const pattern = new RegExp(streets.map(word).join('|'), 'gu');
    detectors.push((line) => matches(pattern, 'street', line));
  }
  for (const a of addresses) {
    if (!a.postalCode) continue;
    const code = word(a.postalCode);
    const city = word(a.city);
    // eslint-disable-next-line security/detect-non-literal-regexp -- built from escaped constants of the suite
    const pattern = new RegExp(`${code}.{0,60}?${city}|${city}.{0,60}?${code}`, 'gu');
    detectors.push((line) => matches(pattern, 'postcode-city', line));
  }
  return detectors;
}

/** "Torstraße 1" → "Torstraße", "1 Main Street" → "Main Street"; undefined when too short to be telling. */
function streetName(line1: string): string | undefined {
  const name = line1
    .replace(/\b\d+[a-z]?\b/giu, ' ')
    .replace(/[,]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return name.length >= 6 && name !== line1.trim() ? name : undefined;
}

/** The generic detectors plus those of the suite's addresses. */
export function defaultDetectors(addresses: readonly ShippingAddress[] = SUITE_ADDRESSES): Detector[] {
  return [
    (line) => matches(EMAIL, 'email', line),
    (line) => matches(ADDRESS_FIELD, 'address-field', line),
    (line) => matches(PHONE, 'phone', line),
    ...addressDetectors(addresses),
  ];
}

/**
 * JSON escapes decoded, at any depth of JSON in JSON (`\u00df` → ß, `\n` → a space) and control characters made spaces, so that a value logged
 * inside a JSON string, or with a control character in it, is found as it was sent.
 */
function normalized(line: string): string {
  return line
    .replace(/\\+u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    .replace(/\\+[nrt]/g, ' ')
    .replace(/\p{Cc}/gu, ' ');
}

/** A masked stand-in for personal data: its first character and its length, never more (an e-mail keeps its TLD). */
export function masked(value: string, kind: PiiKind): string {
  const first = [...value][0] ?? '';
  if (kind === 'email') {
    const tld = /\.([A-Za-z]{2,})$/.exec(value)?.[1] ?? '';
    return `${first}***@***.${tld}`;
  }
  if (kind === 'address-field') return `"${/\w+/.exec(value)?.[0] ?? ''}":***`;
  return `${first}***(${[...value].length})`;
}

/** Findings in one line: one per kind, each with an excerpt where every span found in the line is masked. */
function scanLine(raw: string, detectors: readonly Detector[]): Array<{ kind: PiiKind; excerpt: string }> {
  const line = normalized(raw);
  const spans = detectors.flatMap((d) => d(line)).sort((a, b) => a.start - b.start || b.end - a.end);
  if (spans.length === 0) return [];
  // Merge overlapping spans, the first (widest) naming the kind.
  const merged: Span[] = [];
  for (const s of spans) {
    const last = merged.at(-1);
    if (last && s.start < last.end) merged[merged.length - 1] = { ...last, end: Math.max(last.end, s.end) };
    else merged.push(s);
  }
  let text = '';
  let at = 0;
  const positions: Array<{ kind: PiiKind; start: number; end: number }> = [];
  for (const s of merged) {
    text += line.slice(at, s.start);
    const mask = masked(line.slice(s.start, s.end), s.kind);
    positions.push({ kind: s.kind, start: text.length, end: text.length + mask.length });
    text += mask;
    at = s.end;
  }
  text += line.slice(at);
  const findings: Array<{ kind: PiiKind; excerpt: string }> = [];
  for (const kind of new Set(spans.map((s) => s.kind))) {
    // The first span of this kind, merged or not, locates the excerpt.
    const first = spans.find((s) => s.kind === kind) as Span;
    const position = positions[merged.findIndex((m) => m.start <= first.start && first.start < m.end)] as { start: number; end: number };
    const from = Math.max(0, position.start - 40);
    const to = Math.min(text.length, position.end + 40);
    findings.push({ kind, excerpt: `${from > 0 ? '…' : ''}${text.slice(from, to)}${to < text.length ? '…' : ''}` });
  }
  return findings;
}

/** Scans `text` line by line, from byte `fromByte` on (earlier lines are skipped, line numbers stay the file's). */
export function scanText(text: string, file: string, options: { detectors?: readonly Detector[]; fromByte?: number } = {}): PiiFinding[] {
  const detectors = options.detectors ?? defaultDetectors();
  const fromByte = options.fromByte ?? 0;
  const findings: PiiFinding[] = [];
  let byte = 0;
  text.split('\n').forEach((line, i) => {
    const start = byte;
    byte += Buffer.byteLength(line) + 1;
    if (start < fromByte) return;
    for (const f of scanLine(line, detectors)) findings.push({ file, line: i + 1, ...f });
  });
  return findings;
}

/** The functions' logs of a runtime's state directory (`logs/*.log`): appended to, run after run. */
function functionLogs(stateDirectory: string): string[] {
  const logs = path.join(stateDirectory, 'logs');
  if (!existsSync(logs)) return [];
  return readdirSync(logs)
    .filter((f) => f.endsWith('.log'))
    .map((f) => path.join(logs, f));
}

/**
 * The logs of a runtime's state directory: every function's log (`logs/*.log`) and the IAM decision logs
 * (`iam-decisions*.jsonl`, rewritten by each run).
 */
export function logFiles(stateDirectory: string): string[] {
  const decisionLogs = existsSync(stateDirectory) ? readdirSync(stateDirectory).filter((f) => /^iam-decisions.*\.jsonl$/.test(f)) : [];
  return [...functionLogs(stateDirectory), ...decisionLogs.map((f) => path.join(stateDirectory, f))].sort();
}

/** Each function log's current size: scanning `since` these offsets looks only at what a run appended. */
export function logOffsets(stateDirectory: string): Map<string, number> {
  return new Map(functionLogs(stateDirectory).map((f) => [f, statSync(f).size]));
}

/**
 * Scans every log of `stateDirectory` (the function logs from `since`'s offsets when given), plus `texts` (e.g. the runtime process's
 * own output, which it keeps in no file).
 */
export function scanStateDirectory(
  stateDirectory: string,
  options: { since?: ReadonlyMap<string, number>; texts?: ReadonlyArray<{ name: string; text: string }>; detectors?: readonly Detector[] } = {},
): PiiFinding[] {
  const detectors = options.detectors ?? defaultDetectors();
  const findings = logFiles(stateDirectory).flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    // A log shorter than its offset was replaced since: all of it is new.
    const since = options.since?.get(file) ?? 0;
    return scanText(text, path.relative(stateDirectory, file), { detectors, fromByte: Buffer.byteLength(text) < since ? 0 : since });
  });
  for (const { name, text } of options.texts ?? []) findings.push(...scanText(text, name, { detectors }));
  return findings;
}

/** `file:line: kind excerpt`, the excerpt masked. */
export function formatFinding(finding: PiiFinding): string {
  return `${finding.file}:${finding.line}: ${finding.kind} ${finding.excerpt}`;
}
