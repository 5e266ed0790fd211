import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * The dependency rules (.dependency-cruiser.cjs, run by `npm run lint:deps` in `npm test`) can fail: each is applied
 * to a small tree laid out like the project's, with one violation, and must name it. The project itself is checked
 * by lint:deps.
 */
const ROOT = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');

function cruise(files: Record<string, string>): { ok: boolean; output: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'stockade-deps-'));
  try {
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'ESNext', moduleResolution: 'Bundler', strict: true } }));
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
    try {
      const output = execFileSync(
        process.execPath,
        [
          CLI,
          '--config',
          CONFIG,
          '--no-progress',
          ...[...new Set(Object.keys(files).map((f) => f.split('/')[0] as string))].filter((d) => d !== 'node_modules'),
        ],
        { cwd: dir, encoding: 'utf8', stdio: 'pipe' },
      );
      return { ok: true, output };
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string };
      return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const clean = {
  'shared/domain/model/money.ts': 'export interface Money { amount: number }\n',
  'shared/ports/prices.ts': "import type { Money } from '../domain/model/money';\nexport interface Prices { of(sku: string): Promise<Money> }\n",
  'shared/domain/pricing.ts': "import type { Prices } from '../ports/prices';\nexport const price = (p: Prices, sku: string) => p.of(sku);\n",
  'shared/adapters/table-prices.ts':
    "import type { Prices } from '../ports/prices';\nexport class TablePrices implements Prices { async of() { return { amount: 1 }; } }\n",
  'functions/pricing/root.ts': "import { TablePrices } from '../../shared/adapters/table-prices';\nexport const prices = new TablePrices();\n",
  'functions/pricing/get-price.ts':
    "import { price } from '../../shared/domain/pricing';\nimport { prices } from './root';\nexport const handler = () => price(prices, 'x');\n",
};

describe('dependency rules', () => {
  jest.setTimeout(60_000);

  it('accept a tree laid out as architecture.md says', () => {
    const result = cruise(clean);
    expect(result).toMatchObject({ ok: true });
  });

  it.each([
    [
      'domain-is-pure',
      { 'shared/domain/pricing.ts': "import { TablePrices } from '../adapters/table-prices';\nexport const price = () => new TablePrices().of();\n" },
    ],
    [
      'no-circular',
      { 'shared/domain/model/money.ts': "import type { Prices } from '../../ports/prices';\nexport interface Money { amount: number; p?: Prices }\n" },
    ],
    [
      'ports-speak-in-model-types',
      { 'shared/ports/prices.ts': "import type { price } from '../domain/pricing';\nexport interface Prices { of(sku: string): ReturnType<typeof price> }\n" },
    ],
    [
      'domain-is-pure',
      {
        'node_modules/@aws-sdk/client-prices/package.json': '{"name":"@aws-sdk/client-prices","main":"index.js"}',
        'node_modules/@aws-sdk/client-prices/index.js': 'exports.PricesClient = class {};\n',
        'shared/domain/pricing.ts': "import { PricesClient } from '@aws-sdk/client-prices';\nexport const price = () => new PricesClient();\n",
      },
    ],
    [
      'adapters-below-handlers',
      { 'shared/adapters/table-prices.ts': "import { handler } from '../../functions/pricing/get-price';\nexport const x = handler;\n" },
    ],
    ['lib-names-functions-by-path', { 'lib/stack.ts': "import { handler } from '../functions/pricing/get-price';\nexport const h = handler;\n" }],
    [
      'handlers-take-from-their-root',
      {
        'functions/pricing/get-price.ts':
          "import { TablePrices } from '../../shared/adapters/table-prices';\nimport { price } from '../../shared/domain/pricing';\nexport const handler = () => price(new TablePrices(), 'x');\n",
      },
    ],
  ])('refuse a tree that breaks %s', (rule, change) => {
    const result = cruise({ ...clean, ...change });
    expect(result.ok).toBe(false);
    expect(result.output).toContain(rule);
  });
});
