import { bytes, ms, num, size } from '../lib/format';
import { median, percentile } from '../lib/stats';
import type { Measured } from './bundles';

/** The markdown report: the timing table, what each bundle is made of, and the notes of this run. */
export function coldStartReport(measured: readonly Measured[], baseline: Measured, framework: Measured, skipped: readonly string[]): string {
  return [
    table(measured, baseline),
    '',
    'Largest packages in each bundle (esbuild metafile):',
    '',
    contents(measured),
    '',
    'Notes from this run:',
    '',
    findings(measured, baseline, framework),
    ...(skipped.length > 0 ? [`- Not measured (inline code, no bundle file): ${skipped.join(', ')}`] : []),
  ].join('\n');
}

function table(rows: readonly Measured[], baseline: Measured): string {
  const base = median(baseline.importMs);
  const lines = [
    '| Function | Routes | index.mjs (bytes) | gzip (bytes) | import median (ms) | import p90 (ms) | Δ median vs baseline (ms) | floor | × floor | first invoke median (ms) |',
    '|---|---|--:|--:|--:|--:|--:|---|--:|--:|',
  ];
  for (const m of rows) {
    const med = median(m.importMs);
    const delta = m === baseline ? '—' : m.error ? 'failed' : `${med >= base ? '+' : ''}${ms(med - base)}`;
    const floor = m.floor ? (m.floor === baseline ? 'baseline' : m.floor.target.label.replace(/^floor: /, '')) : '—';
    const ratio = m.floor && !m.error && !m.floor.error ? `${num(floorRatio(m), 2)}×` : '—';
    const invoke = m.invokeMs.length > 0 ? ms(median(m.invokeMs)) : '—';
    lines.push(
      `| ${m.target.label} | ${m.target.routes.join(', ') || '—'} | ${bytes(m.bundle.bytes)} | ${bytes(m.bundle.gzipBytes)} | ${ms(med)} | ${ms(percentile(m.importMs, 90))} | ${delta} | ${floor} | ${ratio} | ${invoke} |`,
    );
  }
  return lines.join('\n');
}

function contents(rows: readonly Measured[]): string {
  return rows
    .map((m) => {
      const top = m.bundle.shares
        .slice(0, 5)
        .map((s) => `${s.name} ${size(s.bytes)} (${Math.round((100 * s.bytes) / m.bundle.bytes)}%)`)
        .join(', ');
      const check = m.bundle.reproduced === undefined ? '' : m.bundle.reproduced ? '; rebuilt from its entry byte for byte' : '; REBUILD DIFFERS';
      return `- ${m.target.label}: ${top || 'unknown'}; source map ${bytes(m.bundle.mapBytes)} bytes${check}`;
    })
    .join('\n');
}

function findings(rows: readonly Measured[], baseline: Measured, framework: Measured): string {
  const lines: string[] = [];
  for (const m of rows) {
    if (m.error) lines.push(`- ${m.target.label}: FAILED: ${m.error}`);
    if (m.network.size > 0) lines.push(`- ${m.target.label}: reached for the network at cold start (blocked): ${[...m.network].join(', ')}`);
    for (const note of new Set(m.target.notes)) lines.push(`- ${m.target.label}: ${note}`);
  }
  lines.push(...againstTheFloor(rows, baseline, framework));
  if (!rows.some((m) => m.network.size > 0))
    lines.push('- No function reached for the network while loading (connections and DNS lookups are blocked and recorded).');
  lines.push(`- Node bootstrap before the import (not in the figures): median ${ms(median(baseline.bootstrapMs))} ms.`);
  return lines.join('\n');
}

/** Where the functions stand against issue 13's targets: ≤ 1.5× the floor, ≤ 10 ms over hello-world without SDK clients, ≤ 250 KB. */
function againstTheFloor(rows: readonly Measured[], baseline: Measured, framework: Measured): string[] {
  const functions = rows.filter((m) => m.floor && !m.error && !m.floor.error);
  if (functions.length === 0) return [];
  const ratio = floorRatio;
  const lines: string[] = [];
  const withClients = functions.filter((m) => m.floor !== baseline);
  if (withClients.length > 0) {
    const worst = withClients.reduce((a, b) => (ratio(b) > ratio(a) ? b : a));
    const over = withClients.filter((m) => ratio(m) > 1.5).length;
    lines.push(
      `- Against the floor (functions with SDK clients): worst ${worst.target.label} at ${num(ratio(worst), 2)}×; ${over} of ${withClients.length} above 1.5×.`,
    );
  }
  const clientless = functions.filter((m) => m.floor === baseline);
  if (clientless.length > 0) {
    const base = median(baseline.importMs);
    const slowest = clientless.reduce((a, b) => (median(b.importMs) > median(a.importMs) ? b : a));
    lines.push(
      `- Without SDK clients (${clientless.length} functions): at most +${ms(median(slowest.importMs) - base)} ms over hello-world (${slowest.target.label}).`,
    );
    if (!framework.error && framework.importMs.length > 0)
      lines.push(
        `- Of that, the framework every handler carries (${framework.target.label.replace(/^reference: /, '')}, constructed, nothing of ours): +${ms(median(framework.importMs) - base)} ms over hello-world.`,
      );
  }
  const largest = functions.reduce((a, b) => (b.bundle.bytes > a.bundle.bytes ? b : a));
  lines.push(`- Largest bundle: ${largest.target.label}, ${bytes(largest.bundle.bytes)} bytes minified (source map excluded).`);
  return lines;
}

/** A function's import time over its floor's: the median of its paired samples' ratios, else the ratio of medians (the baseline's). */
export function floorRatio(m: Measured): number {
  if (m.floorRatios.length > 0) return median(m.floorRatios);
  return median(m.importMs) / median((m.floor as Measured).importMs);
}
