import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../lib/constructs/stockade-function';
import { log, secondsSince } from './progress';

const TITLE =
  '# Benchmarks\n\nFigures printed by the scripts in bench/. Each section is rewritten by its own script, between its markers; edit around them, not inside.\n';

/**
 * Replaces what lies between `<!-- name:begin -->` and `<!-- name:end -->` in `file` with `body`, leaving every
 * other section alone; appends the section when the markers are missing and creates the file when it is.
 */
export function writeDocSection(file: string, name: string, body: string): void {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const section = `${begin}\n${body.trim()}\n${end}`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : TITLE;
  const from = current.indexOf(begin);
  const to = current.indexOf(end, from);
  let next: string;
  if (from >= 0 && to >= 0) {
    next = current.slice(0, from) + section + current.slice(to + end.length);
  } else {
    if (from >= 0 || current.includes(end)) throw new Error(`${file} has only one of ${begin} / ${end}: fix the markers by hand`);
    next = `${current.trimEnd()}\n\n${section}\n`;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, next);
}

/** docs/benchmarks.md, where every benchmark keeps its own section. */
export const BENCHMARKS_DOC = path.join(PROJECT_ROOT, 'docs', 'benchmarks.md');

/** Rewrites the `name` section of docs/benchmarks.md and says so, with the seconds the run took. */
export function publishSection(name: string, body: string, startedAt: number): void {
  writeDocSection(BENCHMARKS_DOC, name, body);
  log(`Wrote the ${name} section of ${path.relative(PROJECT_ROOT, BENCHMARKS_DOC)} in ${secondsSince(startedAt)} s.`);
}
