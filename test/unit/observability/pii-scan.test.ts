import { execFile } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DEMO_ADDRESS, DEMO_PURCHASE_ADDRESS } from '../../../local/demo/demo-address';
import { PROJECT_ROOT } from '../../../local/runtime/synth';
import { addressDetectors, formatFinding, logOffsets, type PiiFinding, scanStateDirectory, scanText, SUITE_ADDRESSES } from '../../support/pii-scan';
import { US_ADDRESS } from '../../support/shipping';

/** A Powertools line as a function writes it, with `extra` keys. */
const line = (message: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    level: 'INFO',
    message,
    timestamp: '2026-12-06T02:40:43.306Z',
    service: 'orders',
    cold_start: false,
    function_arn: 'arn:aws:lambda:us-east-1:000000000000:function:Stockade-dev-ApiFunctions-CreateCheckout57F0D06E',
    function_memory_size: '512',
    function_request_id: 'e50004ed-e611-4929-b74d-6346e29858c4',
    sampling_rate: 0,
    correlation_id: '68a45791-1c69-4db9-a887-d9d529238c07',
    ...extra,
  });

/** What the functions log today: ids, outcomes, counts; a city or a number alone names no one. */
const CLEAN = [
  line('Request refused', { status: 400, problemType: 'https://stockade.dev/problems/validation' }),
  line('Authorization decision', { route: 'GET /me/export', sub: 'b3c1f1a2-9d4e-4c55-8a0e-1f2d3c4b5a69', effect: 'allow' }),
  line('Saga step done', { orderId: '01JEXAMPLE0000000000000000', step: 'reserve' }),
  line('Shipping zone chosen', { country: 'DE', zone: 'eu', city: undefined, itemsTotal: 10119 }),
  line('Erasure run', { pseudonym: 'erased-7f0e2b7c-3c8d-4a55-9d7a-0c1b2a3d4e5f', outcome: 'erased' }),
  line('Inventory update recorded', { providerId: 'acme-warehouse', sku: 'MUG-SLATE', available: 12, at: '+01:00' }),
  line('Berlin warehouse synced', { sku: 'DEMO-1', version: '1.2.3' }),
  '{"timestamp":"2026-12-06T02:40:44.000Z","level":"ERROR","source":"local-runtime","errorType":"Runtime.ExitError","errorMessage":"Runtime exited with code 1"}',
  'node_modules/@aws-lambda-powertools/logger/lib/cjs/Logger.js:120 at stripe@18.0.0 (+00:00)',
].join('\n');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'stockade-pii-'));
  mkdirSync(path.join(dir, 'logs'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const kinds = (findings: readonly PiiFinding[]) => findings.map((f) => `${f.file}:${f.line}:${f.kind}`);

describe('the log scan for personal data', () => {
  it('passes a clean state directory', () => {
    writeFileSync(path.join(dir, 'logs', 'CreateCheckout57F0D06E.log'), CLEAN);
    writeFileSync(
      path.join(dir, 'iam-decisions.jsonl'),
      '{"action":"cognito-idp:AdminGetUser","resource":"arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc"}\n',
    );
    expect(scanStateDirectory(dir)).toEqual([]);
  });

  it('finds an e-mail address, a name, an address line, a postcode with its city and an address field, each where it is', () => {
    const customer = 'shipping-1a2b3c4d@stockade.test';
    writeFileSync(
      path.join(dir, 'logs', 'CreateCheckout57F0D06E.log'),
      [
        CLEAN,
        line('Checkout accepted', { contact: customer }),
        line('Shipping to', { recipient: DEMO_ADDRESS.name }),
        `Error: no zone for ${DEMO_PURCHASE_ADDRESS.line1}`,
        line('Label printed', { label: `${US_ADDRESS.city}, ${US_ADDRESS.region} ${US_ADDRESS.postalCode}` }),
        line('Request failed', { errorMessage: JSON.stringify({ order: { line2: 'Hinterhaus, 3. OG' } }) }),
      ].join('\n'),
    );
    writeFileSync(path.join(dir, 'logs', 'EraseCustomers1770E051.log'), `GET /v1/customers?email=${encodeURIComponent(customer)} failed\n`);
    const findings = scanStateDirectory(dir);
    const at = 'logs/CreateCheckout57F0D06E.log';
    expect(kinds(findings)).toEqual([
      `${at}:10:email`,
      `${at}:11:name`,
      `${at}:12:street`,
      `${at}:13:postcode-city`,
      `${at}:14:address-field`,
      'logs/EraseCustomers1770E051.log:1:email',
    ]);
    // Never the personal data itself, only a masked excerpt around it.
    const printed = findings.map(formatFinding).join('\n');
    for (const personal of [
      customer,
      'shipping-1a2b3c4d',
      DEMO_ADDRESS.name,
      DEMO_PURCHASE_ADDRESS.line1,
      'Stephansplatz',
      US_ADDRESS.postalCode,
      'Hinterhaus',
    ])
      expect(printed).not.toContain(personal);
    expect(printed).toContain(`${at}:10: email `);
    expect(printed).toContain('s***@***.test');
  });

  it("finds the suite's recipients and streets however they are escaped or spaced", () => {
    const text = [
      // JSON inside a JSON string, with a \u escape and a control character.
      JSON.stringify({ errorMessage: JSON.stringify({ name: 'Dana\u0000Demo', line1: 'Torstraße 1' }) }),
      // The street without its number, in free text.
      'handing off to Torstraße warehouse',
      // An international phone number.
      'call +49 30 1234567 about it',
    ].join('\n');
    expect(scanText(text, 'x').map((f) => `${f.line}:${f.kind}`)).toEqual(['1:name', '1:address-field', '1:street', '2:street', '3:phone']);
  });

  it('builds its address detectors from the addresses it is given, not from a list of one run', () => {
    expect(SUITE_ADDRESSES).toEqual(expect.arrayContaining([DEMO_ADDRESS, DEMO_PURCHASE_ADDRESS, US_ADDRESS]));
    const detectors = addressDetectors([{ name: 'Jean Valjean', line1: '12 rue de Rivoli', city: 'Paris', postalCode: '75001', country: 'FR' }]);
    expect(
      scanText('to Jean Valjean\nat 12 rue de Rivoli\n75001 Paris\nParis alone\n75001 alone', 'x', { detectors }).map((f) => `${f.line}:${f.kind}`),
    ).toEqual(['1:name', '2:street', '3:postcode-city']);
  });

  it('scans only what a run appended to the function logs after the offsets, and texts given beside them', () => {
    const file = path.join(dir, 'logs', 'GetMe286D786C.log');
    writeFileSync(file, `${line('old run', { email: 'old@stockade.test' })}\n`);
    const offsets = logOffsets(dir);
    appendFileSync(file, `${CLEAN}\n${line('this run', { user: 'new@stockade.test' })}\n`);
    const findings = scanStateDirectory(dir, { since: offsets, texts: [{ name: 'runtime output', text: '[api] 500 for Sam Sample\n' }] });
    expect(kinds(findings)).toEqual(['logs/GetMe286D786C.log:11:email', 'runtime output:1:name']);
  });

  it('npm run logs:pii prints the findings and exits 1, and exits 0 on clean logs', async () => {
    const run = () =>
      new Promise<{ code: number; stdout: string }>((resolve) =>
        execFile(
          process.execPath,
          ['--import', 'tsx', path.join(PROJECT_ROOT, 'test', 'support', 'logs-pii-cli.ts'), '--state-dir', dir],
          { cwd: PROJECT_ROOT, timeout: 60_000 },
          (error, stdout) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout }),
        ),
      );
    writeFileSync(path.join(dir, 'logs', 'GetMe286D786C.log'), CLEAN);
    expect(await run()).toEqual({ code: 0, stdout: '' });
    appendFileSync(path.join(dir, 'logs', 'GetMe286D786C.log'), `\n${line('x', { contactEmail: 'gifts@example.test' })}\n`);
    const dirty = await run();
    expect(dirty.code).toBe(1);
    expect(dirty.stdout).toMatch(/^logs\/GetMe286D786C\.log:10: address-field .*"contactEmail":\*\*\*/m);
    expect(dirty.stdout).not.toContain('gifts@');
  }, 60_000);
});
