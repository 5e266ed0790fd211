import { bytes, ms, size } from '../lib/format';
import { median, percentile } from '../lib/stats';
import type { Measured } from './bundles';

/** The markdown report: the timing table, what each bundle is made of, and the notes of this run. */
export function coldStartReport(measured: readonly Measured[], baseline: Measured, skipped: readonly string[]): string {
  return [
    table(measured, baseline),
    '',
    'Largest packages in each bundle (esbuild metafile):',
    '',
    contents(measured),
    '',
    'Notes from this run:',
    '',
    findings(measured, baseline),
    ...(skipped.length > 0 ? [`- Not measured (inline code, no bundle file): ${skipped.join(', ')}`] : []),
  ].join('\n');
}

function table(rows: readonly Measured[], baseline: Measured): string {
  const base = median(baseline.importMs);
  const lines = [
    '| Function | Routes | index.mjs (bytes) | gzip (bytes) | import median (ms) | import p90 (ms) | Δ median vs baseline (ms) | first invoke median (ms) |',
    '|---|---|--:|--:|--:|--:|--:|--:|',
  ];
  for (const m of rows) {
    const med = median(m.importMs);
    const delta = m === baseline ? '—' : m.error ? 'failed' : `${med >= base ? '+' : ''}${ms(med - base)}`;
    const invoke = m.invokeMs.length > 0 ? ms(median(m.invokeMs)) : '—';
    lines.push(
      `| ${m.target.label} | ${m.target.routes.join(', ') || '—'} | ${bytes(m.bundle.bytes)} | ${bytes(m.bundle.gzipBytes)} | ${ms(med)} | ${ms(percentile(m.importMs, 90))} | ${delta} | ${invoke} |`,
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

function findings(rows: readonly Measured[], baseline: Measured): string {
  const lines: string[] = [];
  for (const m of rows) {
    if (m.error) lines.push(`- ${m.target.label}: FAILED: ${m.error}`);
    if (m.network.size > 0) lines.push(`- ${m.target.label}: reached for the network at cold start (blocked): ${[...m.network].join(', ')}`);
    for (const note of new Set(m.target.notes)) lines.push(`- ${m.target.label}: ${note}`);
  }
  if (!rows.some((m) => m.network.size > 0))
    lines.push('- No function reached for the network while loading (connections and DNS lookups are blocked and recorded).');
  lines.push(`- Node bootstrap before the import (not in the figures): median ${ms(median(baseline.bootstrapMs))} ms.`);
  return lines.join('\n');
}
