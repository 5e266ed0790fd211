import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

const ROOT = path.join(__dirname, '../../..');
const TYPES_FILE = 'clients/stockade-api.d.ts';
const TYPES = path.join(ROOT, TYPES_FILE);
const CLIENT = path.join(ROOT, 'test/fixtures/client/storefront-client.ts');
const clientSource = readFileSync(CLIENT, 'utf8');

const OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  noUncheckedIndexedAccess: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2023.d.ts'],
  types: ['node'],
  skipLibCheck: true,
};

/**
 * Compiles the fixture client (its text replaced by `source`) against the committed types, with the TypeScript
 * compiler API; the files it does not change are parsed once and reused. Returns each error as "TS<code>: message".
 */
const parsed = new Map<string, ts.SourceFile>();
let previous: ts.Program | undefined;
function compile(source: string): string[] {
  const host = ts.createCompilerHost(OPTIONS);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language, onError) => {
    if (path.resolve(file) === CLIENT) return ts.createSourceFile(file, source, language);
    const cached = parsed.get(file) ?? read(file, language, onError);
    if (cached) parsed.set(file, cached);
    return cached;
  };
  const program = ts.createProgram({ rootNames: [CLIENT], options: OPTIONS, host, ...(previous ? { oldProgram: previous } : {}) });
  previous = program;
  return ts.getPreEmitDiagnostics(program).map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
}

/** The fixture with `from` replaced by `to` everywhere (the replacement must change something). */
function misuse(from: string, to: string): string {
  expect(clientSource).toContain(from);
  return clientSource.replaceAll(from, to);
}

describe('client types (npm run client:types)', () => {
  it(`${TYPES_FILE} is what npm run client:types writes from docs/openapi.json today`, () => {
    // Stale: run `npm run client:types` (after `npm run openapi`) and commit clients/stockade-api.d.ts. The generator
    // runs in Node itself: jest cannot load openapi-typescript's ESM-only dependencies.
    const generated = execFileSync(process.execPath, ['--import', 'tsx', 'local/cli/client-types.ts', '--stdout'], { cwd: ROOT, encoding: 'utf8' });
    expect(readFileSync(TYPES, 'utf8')).toBe(generated);
  }, 30_000);

  it('a storefront client written against them compiles', () => {
    expect(compile(clientSource)).toEqual([]);
  }, 30_000);

  it.each([
    [
      'a quantity as a string',
      'change: CartChange = { quantity: 2 }',
      "change: CartChange = { quantity: '2' }",
      /TS2322: Type 'string' is not assignable to type 'number'/,
    ],
    ['a refund amount as a decimal string', 'amount: 1000,', "amount: '10.00',", /TS2322: Type 'string' is not assignable to type 'number'/],
    ['a money field that does not exist', 'o.total.amount', 'o.total.minor', /TS2339: Property 'minor' does not exist/],
    ['an order status that does not exist', "o.status === 'CONFIRMED'", "o.status === 'PAID'", /TS2367: This comparison appears to be unintentional/],
    ['a status checkout never answers', "['responses'][202]", "['responses'][201]", /TS2339: Property '201' does not exist/],
    ['a route that does not exist', "paths['/checkout']", "paths['/checkouts']", /TS2339: Property '\/checkouts' does not exist/],
    [
      'a method the route does not have',
      "paths['/cart/items/{sku}']['put']['requestBody']",
      "paths['/cart/items/{sku}']['patch']['requestBody']",
      /TS2339: Property 'requestBody' does not exist on type 'undefined'/,
    ],
  ])(
    'refuses a client that sends or reads %s',
    (_what, from, to, expected) => {
      const errors = compile(misuse(from, to));
      expect(errors).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
    },
    30_000,
  );
});
