import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import type { WireRequest } from '../../fuzz/engine';
import { jsonSchemaOf, schemaValue } from '../../fuzz/json-schema-arbitrary';
import { leaksIn, logOffsets, plainRequest, scanLogs, writesOfRefused } from '../../fuzz/stockade-invariants';
import { destroysCallerOf, markerFor, markerIndexes, newRunId, PLACEHOLDER, type StockadeRequest } from '../../fuzz/stockade-plan';
import { CreateProductBodySchema, ProductIdPathSchema } from '../../../shared/schemas/catalog';

/** The checks a Stockade fuzz run makes after and around its requests must each be able to fail. */
describe('the Stockade fuzz checks', () => {
  it('knows a stray path that reaches DELETE /me however it is spelled, so it is sent without a token', () => {
    for (const segments of [['me'], ['me', ''], ['', 'me'], ['ME'], ['%6De'], ['%6d%65']]) expect(destroysCallerOf('DELETE', segments)).toBe(true);
    for (const [method, segments] of [
      ['GET', ['me']],
      ['DELETE', ['me', 'address']],
      ['DELETE', ['cart']],
      ['DELETE', []],
      ['DELETE', ['%E0%A4%A']],
    ] as const)
      expect(destroysCallerOf(method, segments)).toBe(false);
  });

  it('finds every marker of a run again, in any case, and no other run', () => {
    const runId = newRunId();
    fc.assert(
      fc.property(fc.nat({ max: 32 ** 5 - 1 }), fc.boolean(), (index, lower) => {
        const marker = markerFor(runId, index);
        expect(marker).toHaveLength(PLACEHOLDER.length);
        const stored = `{"name":{"S":"Mug ${lower ? marker.toLowerCase() : marker}"}}`;
        expect(markerIndexes(stored, runId)).toEqual([index]);
        expect(markerIndexes(stored, runId === 'ZZZZZZ' ? 'YYYYYY' : 'ZZZZZZ')).toEqual([]);
      }),
    );
  });

  it('keeps marked values valid for the schemas they were generated from', () => {
    const marker = markerFor(newRunId(), 12_345);
    const body = jsonSchemaOf(CreateProductBodySchema);
    fc.assert(
      fc.property(schemaValue(body, { placeholder: PLACEHOLDER, placeholderAlways: true }), (value) => {
        const sent = JSON.parse(JSON.stringify(value).replaceAll(PLACEHOLDER, marker)) as unknown;
        expect(CreateProductBodySchema.safeParse(sent).success).toBe(true);
        expect(JSON.stringify(sent)).toContain(marker);
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(schemaValue(jsonSchemaOf(ProductIdPathSchema), { placeholder: PLACEHOLDER }), (value) => {
        expect(ProductIdPathSchema.safeParse(JSON.parse(JSON.stringify(value).replaceAll(PLACEHOLDER, marker))).success).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('calls a write of a refused request a failure, and lets audited refusals and accepted writes be', () => {
    const items = [
      { table: 'CatalogTableF8EA09BD', index: 1, key: 'PRODUCT#1 / META' },
      { table: 'CatalogTableF8EA09BD', index: 2, key: 'PRODUCT#2 / META' },
      { table: 'AuditTableB07F8EEB', index: 3, key: 'AUDIT#2026-01 / x', outcome: 'denied' },
      { table: 'AuditTableB07F8EEB', index: 4, key: 'AUDIT#2026-01 / y', outcome: 'succeeded' },
      { table: 'PaymentsTable48A42630', index: 5, key: 'EVENT#stripe#evt / EVENT' },
    ];
    const status: Record<number, number | undefined> = { 1: 201, 2: 400, 3: 404, 4: 404, 5: undefined };
    expect(writesOfRefused(items, (i) => status[i]).map((i) => i.index)).toEqual([2, 4, 5]);
  });

  it('finds secrets anywhere in the function logs, and stack traces at ERROR of fuzzed requests only', () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'fuzz-logs-'));
    try {
      const file = path.join(directory, 'GetCartABC.log');
      writeFileSync(file, `${JSON.stringify({ level: 'INFO', message: 'before the run' })}\n`);
      const offsets = logOffsets(directory);
      const stack = { name: 'TypeError', stack: 'TypeError: x\n    at handler (index.mjs:1:2)' };
      writeFileSync(
        file,
        [
          JSON.stringify({ level: 'INFO', message: 'before the run' }),
          JSON.stringify({ level: 'ERROR', message: 'Unhandled error', correlation_id: 'fuzzed-1', error: stack }),
          JSON.stringify({ level: 'ERROR', message: 'Unhandled error', correlation_id: 'someone-else', error: stack }),
          JSON.stringify({ level: 'ERROR', message: 'Refused', correlation_id: 'fuzzed-2' }),
          JSON.stringify({ level: 'INFO', message: 'signed in', password: 'Stk-secret-9a!' }),
          '',
        ].join('\n'),
      );
      const findings = scanLogs(directory, [{ label: 'the customer password', value: 'Stk-secret-9a!' }], new Set(['fuzzed-1', 'fuzzed-2']), offsets);
      expect(findings.map((f) => [f.line, f.message, f.requestId])).toEqual([
        [5, 'contains the customer password', undefined],
        [2, 'a stack trace logged at ERROR (Unhandled error)', 'fuzzed-1'],
      ]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('calls a stack, a path or an internal name in an answer a leak, unless the request sent it', () => {
    const wire: WireRequest = { method: 'POST', path: '/vendor/products', headers: [], body: Buffer.from('{"name":"see node_modules"}') };
    const needles = {
      secrets: [{ label: 'the Stripe API key', value: 'sk_test_123456' }],
      internal: [{ label: 'a table name', value: 'Stockade-dev-Data-Catalog' }],
    };
    expect(leaksIn('{"detail":"TypeError: x\\n    at run (/work/main/a.ts:3:9)"}', wire, needles)).toEqual([
      'shows a stack trace: "\\\\n    at run"',
      'shows a stack frame: "(/work/main/a.ts:3:9)"',
      'shows a JavaScript error class: "TypeError"',
      'shows a file path: "/work/"',
    ]);
    expect(leaksIn('key sk_test_123456 in arn:aws:dynamodb:us-east-1:1:table/Stockade-dev-Data-Catalog', wire, needles)).toEqual([
      'shows an ARN: "arn:aws:"',
      'shows an internal resource name: "Stockade-dev-D"',
      'shows the Stripe API key',
      'shows a table name',
    ]);
    expect(leaksIn('{"name":"see node_modules"}', wire, needles)).toEqual([]);
  });

  it('asserts access rules only on requests plain enough that nothing earlier may refuse them', () => {
    const request = { route: 'GET /products/{productId}', method: 'GET', template: '/products/{productId}' } as StockadeRequest;
    const wire = (p: string, extra: Partial<WireRequest> = {}): WireRequest => ({ method: 'GET', path: p, headers: [], ...extra });
    expect(plainRequest(request, wire('/products/01ARZ3NDEKTSV4RRFFQ69G5FAV?limit=3'))).toBe(true);
    expect(plainRequest(request, wire('/products/%E0%A4%A'))).toBe(false);
    expect(plainRequest(request, wire('/products/..'))).toBe(false);
    expect(plainRequest(request, wire('/products/a%2Fb'))).toBe(false);
    expect(plainRequest(request, wire('/products/x??&toString=1'))).toBe(false);
    expect(plainRequest(request, wire('/products/x', { headers: [['X-Big', 'h'.repeat(9_000)]] }))).toBe(false);
    expect(plainRequest(request, wire('/products/x', { body: Buffer.alloc(16 * 1024 + 1) }))).toBe(false);
  });
});
