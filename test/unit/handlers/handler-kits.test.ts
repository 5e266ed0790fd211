import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Every Lambda entry point is built from one of the handler kits (shared/handlers, shared/http), so each applies the
 * same logger, metrics, tracing, error mapping and input schema: a newcomer copies any function and gets all of it.
 * Files under functions/ that export no handler are composition roots: one `root.ts` per area, built from the shared
 * pieces in functions/wiring/.
 */
const FUNCTIONS = path.resolve(__dirname, '..', '..', '..', 'functions');
const KITS = ['httpHandler', 'sqsBatchHandler', 'scheduledHandler', 'sagaStep', 'cognitoTriggerHandler', 'secretRotationHandler', 'authorizerHandler'];

const sources = readdirSync(FUNCTIONS, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts'))
  .map((f) => ({ file: f, text: readFileSync(path.join(FUNCTIONS, f), 'utf8') }));
const entries = sources.filter((s) => /^export const handler\b/m.test(s.text));

describe('handler kits', () => {
  it('finds the function entries (so the checks below can fail)', () => {
    expect(entries.length).toBeGreaterThanOrEqual(40);
  });

  it.each(entries.map((e) => [e.file, e.text]))('%s builds its handler with a kit', (_file, text) => {
    const kit = /^export const handler = (\w+)\(/m.exec(text)?.[1];
    expect(KITS).toContain(kit);
  });

  it('no function composes middy or Powertools middleware by hand', () => {
    const byHand = sources
      .filter((s) => /from '@middy\/core'|@aws-lambda-powertools\/[a-z]+\/middleware|processPartialResponse/.test(s.text))
      .map((s) => s.file);
    expect(byHand).toEqual([]);
  });

  it('every other file under functions/ is a composition root', () => {
    const others = sources.filter((s) => !entries.includes(s)).map((s) => s.file);
    const isRoot = (f: string) => /^[a-z-]+[/\\]root\.ts$/.test(f) || /^wiring[/\\][a-z-]+\.ts$/.test(f);
    expect(others.filter((f) => !isRoot(f))).toEqual([]);
    expect(others.length).toBeGreaterThan(0);
  });
});
