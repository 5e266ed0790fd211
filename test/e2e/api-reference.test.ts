import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { testEndpoints } from '../support/endpoints';

/** Debian's chromium (.ci/run installs it); playwright-core downloads no browser. */
const CHROMIUM = process.env.STOCKADE_CHROMIUM ?? '/usr/bin/chromium';

/**
 * The API reference the local runtime serves at /docs, rendered by headless Chromium: every operation and webhook of
 * docs/openapi.json has its entry, and the page asks nothing of any host but the runtime's.
 */
describe('the API reference page at /docs', () => {
  const { docsUrl } = testEndpoints();
  const document = JSON.parse(readFileSync(path.join(__dirname, '../../docs/openapi.json'), 'utf8')) as {
    paths: Record<string, Record<string, { tags: string[] }>>;
    webhooks: Record<string, { post: { tags: string[] } }>;
  };
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('renders every operation and webhook offline', async () => {
    expect(docsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/docs$/);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const origin = new URL(docsUrl as string).origin;
    const elsewhere: string[] = [];
    const errors: string[] = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(origin)) return route.continue();
      elsewhere.push(url);
      return route.abort();
    });
    page.on('pageerror', (error) => errors.push(String(error)));
    const response = await page.goto(docsUrl as string, { waitUntil: 'networkidle', timeout: 60_000 });
    expect(response?.status()).toBe(200);
    await page.waitForSelector('a[href="#tag/platform/GET/health"]', { state: 'attached', timeout: 30_000 });
    const links = new Set(await page.$$eval('a[href^="#"]', (anchors) => anchors.map((a) => a.getAttribute('href'))));
    const expected = [
      ...Object.entries(document.paths).flatMap(([p, methods]) =>
        Object.entries(methods).map(([method, operation]) => `#tag/${operation.tags[0]}/${method.toUpperCase()}${p}`),
      ),
      ...Object.entries(document.webhooks).map(([name, webhook]) => `#tag/${webhook.post.tags[0]}/webhook/POST/${name.toLowerCase()}`),
    ];
    expect(expected.filter((href) => !links.has(href))).toEqual([]);
    expect(await page.title()).toBe('Stockade API reference');
    expect(elsewhere).toEqual([]);
    expect(errors).toEqual([]);
  }, 120_000);
});
