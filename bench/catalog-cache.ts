/**
 * Catalog cache benchmark (issue 12, item 4): DynamoDB read units per 1,000 catalog requests without a cache and with
 * a CDN that keeps the public reads for their Cache-Control.
 *
 *   npm run bench:catalog-cache [-- --products 1000] [-- --vendors 20] [-- --zipf 110] [-- --seed 12] [-- --seconds 600]
 *                               [-- --stage prod]
 *
 * No network and no runtime: every origin request goes through the real shared HTTP stack (httpHandler: ETag,
 * Cache-Control, 304) and the real use cases (getProduct, listProducts with signed cursors) over an in-memory catalog
 * whose reads are charged as DynamoDbCatalogRepository makes them, with DynamoDB's sizing rules. A seeded browsing mix
 * (Zipf product popularity, listing pages followed by cursor) is replayed on a virtual clock, once straight to the
 * origin and then through emulated edge caches that honour the answers' Cache-Control (max-age, stale-while-revalidate)
 * and revalidate with If-None-Match, at several request rates and edge counts. Prints the table and rewrites the
 * "Catalog cache" section of docs/benchmarks.md. Bounded: a few seconds.
 */
import { parseArgs } from 'node:util';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { resolveStageConfig } from '../lib/config/stages';
import type { PublicCachePolicy } from '../shared/http/conditional';
import type { CatalogRepository, ProductRecord, StoredProduct, StoredSku } from '../shared/ports/catalog-repository';
import type { ListPosition } from '../shared/ports/cursor-codec';
import { publishSection } from './lib/benchmarks-doc';
import { benchCommand, integerOption } from './lib/cli-options';
import { Zipf, randomIndex, seededRandom } from './scale/zipf';

// Before the HTTP stack is imported: its logger would otherwise write a line per request.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const { values } = parseArgs({
  options: {
    products: { type: 'string', default: '1000' },
    vendors: { type: 'string', default: '20' },
    zipf: { type: 'string', default: '110' },
    seed: { type: 'string', default: '12' },
    seconds: { type: 'string', default: '600' },
    stage: { type: 'string', default: 'prod' },
  },
});
const opts = {
  products: integerOption('products', values.products, 10, 100_000),
  vendors: integerOption('vendors', values.vendors, 1, 1_000),
  zipf: integerOption('zipf', values.zipf, 0, 300) / 100,
  seed: integerOption('seed', values.seed, 0, 2 ** 31 - 1),
  seconds: integerOption('seconds', values.seconds, 10, 3_600),
  stage: values.stage,
};
const RATES = [10, 100, 1_000] as const;
const EDGES = [1, 10] as const;
const PAGE_SIZE = 20;

/** DynamoDB's read units for an item of `bytes`: 1 per started 4 KB strongly consistent, half eventually consistent. */
const readUnits = (bytes: number, consistent: boolean) => Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);
/** An item's size as DynamoDB counts it (attribute names plus values), close enough for strings and numbers. */
const itemBytes = (item: Record<string, unknown>) =>
  Object.entries(item).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(typeof v === 'string' ? v : JSON.stringify(v)), 0);

/**
 * The catalog in memory, charged as DynamoDbCatalogRepository reads it: get = GetItem of the product (strongly
 * consistent) + BatchGetItem of its SKUs (strongly consistent, each SKU its own item); listActive = Query of the
 * byStatus or byVendor index (eventually consistent, Limit max(limit, 25), units on the bytes read) + BatchGetItem of
 * the page's SKUs. SKUs are unsharded (a sharded SKU adds a read per extra shard).
 */
class MeteredCatalog implements CatalogRepository {
  units = 0;
  private readonly newestFirst: StoredProduct[];

  constructor(private readonly records: Map<string, ProductRecord>) {
    this.newestFirst = [...records.values()].map((r) => r.product).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async get(productId: string): Promise<ProductRecord | undefined> {
    const record = this.records.get(productId);
    this.units += readUnits(record ? itemBytes(record.product as unknown as Record<string, unknown>) + 200 : 1, true);
    if (record) this.chargeSkus(record.skus);
    return record;
  }

  async listActive(query: { limit: number; vendorId?: string; after?: ListPosition }): Promise<{ items: ProductRecord[]; next?: ListPosition }> {
    const all = query.vendorId ? this.newestFirst.filter((p) => p.vendorId === query.vendorId) : this.newestFirst;
    const from = query.after ? all.findIndex((p) => p.productId === query.after?.productId) + 1 : 0;
    const read = all.slice(from, from + Math.max(query.limit, 25));
    this.units += readUnits(
      read.reduce((sum, p) => sum + itemBytes(p as unknown as Record<string, unknown>) + 200, 0),
      false,
    );
    const page = read.slice(0, query.limit).map((p) => this.records.get(p.productId) as ProductRecord);
    this.chargeSkus(page.flatMap((r) => r.skus));
    const last = page[page.length - 1];
    return { items: page, ...(from + query.limit < all.length && last ? { next: { productId: last.product.productId } } : {}) };
  }

  private chargeSkus(skus: readonly StoredSku[]): void {
    for (const sku of skus) this.units += readUnits(itemBytes(sku as unknown as Record<string, unknown>) + 120, true);
  }

  create(): Promise<void> {
    throw new Error('read-only');
  }
  skusWithProducts(): Promise<never> {
    throw new Error('read-only');
  }
  update(): Promise<boolean> {
    throw new Error('read-only');
  }
}

/** A seeded catalog: products of 1 to 4 SKUs over the vendors, newest first by creation time. */
function buildCatalog(random: () => number): Map<string, ProductRecord> {
  const records = new Map<string, ProductRecord>();
  for (let i = 0; i < opts.products; i++) {
    const productId = `01JBENCH${String(i).padStart(18, '0')}`;
    const vendorId = `vendor-${randomIndex(random, opts.vendors)}`;
    const skuCodes = Array.from({ length: 1 + randomIndex(random, 4) }, (_, s) => `SKU-${i}-${s}`);
    const at = new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString();
    const product: StoredProduct = {
      productId,
      vendorId,
      name: `Product ${i} of the benchmark catalog`,
      description: 'A product description of a realistic length for a catalog listing, about two sentences long.',
      status: 'ACTIVE',
      skuCodes,
      createdAt: at,
      updatedAt: at,
    };
    const skus: StoredSku[] = skuCodes.map((sku) => ({
      sku,
      productId,
      vendorId,
      name: `Variant ${sku}`,
      price: { amount: 1000 + randomIndex(random, 9000), currency: 'EUR' },
      onHand: 100,
      reserved: randomIndex(random, 10),
      version: 1,
    }));
    records.set(productId, { product, skus });
  }
  return records;
}

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
const context = { functionName: 'bench', awsRequestId: 'bench', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

function event(path: string, query: Record<string, string>, headers: Record<string, string>): APIGatewayProxyEvent {
  const productId = path.startsWith('/products/') ? path.slice('/products/'.length) : undefined;
  return {
    resource: productId ? '/products/{productId}' : '/products',
    path,
    httpMethod: 'GET',
    headers,
    multiValueHeaders: {},
    queryStringParameters: Object.keys(query).length ? query : null,
    multiValueQueryStringParameters: null,
    pathParameters: productId ? { productId } : null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId: 'bench', path } as APIGatewayProxyEvent['requestContext'],
  };
}

interface Request {
  readonly at: number;
  readonly url: string;
}

/** An edge cache as RFC 9111 and CloudFront keep one: fresh for max-age, served stale while revalidating for stale-while-revalidate. */
interface Entry {
  etag: string;
  storedAt: number;
  maxAge: number;
  swr: number;
}

function cacheTimes(cacheControl: string | undefined): { maxAge: number; swr: number } | undefined {
  if (!cacheControl || !/\bpublic\b/.test(cacheControl)) return undefined;
  const maxAge = /max-age=(\d+)/.exec(cacheControl);
  const swr = /stale-while-revalidate=(\d+)/.exec(cacheControl);
  return maxAge ? { maxAge: Number(maxAge[1]), swr: swr ? Number(swr[1]) : 0 } : undefined;
}

async function main(): Promise<void> {
  const started = Date.now();
  const config = resolveStageConfig({ stage: opts.stage });
  const policy: PublicCachePolicy = {
    maxAgeSeconds: config.catalogCache.maxAgeSeconds,
    staleWhileRevalidateSeconds: config.catalogCache.staleWhileRevalidateSeconds,
  };
  const { httpHandler } = await import('../shared/http/http-handler');
  const { getProduct, listProducts } = await import('../shared/domain/catalog/catalog');
  const { HmacCursorCodec } = await import('../shared/adapters/hmac-cursor-codec');
  const { ListProductsQuerySchema, ProductIdPathSchema } = await import('../shared/schemas/catalog');

  const random = seededRandom(opts.seed);
  const shuffle = <T>(items: T[]): T[] => {
    for (let i = items.length - 1; i > 0; i--) {
      const j = randomIndex(random, i + 1);
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  };
  const records = buildCatalog(random);
  const catalog = new MeteredCatalog(records);
  const cursors = new HmacCursorCodec(async () => 'bench-cursor-signing-key-0123456789abcdef');
  const getHandler = httpHandler({ path: ProductIdPathSchema }, async ({ path }) => ({
    status: 200,
    body: await getProduct({ repository: catalog }, path.productId),
    cache: policy,
  })) as unknown as Handler;
  const listHandler = httpHandler({ query: ListProductsQuerySchema }, async ({ query }) => ({
    status: 200,
    body: await listProducts({ repository: catalog, cursors }, query),
    cache: policy,
  })) as unknown as Handler;

  /** One request at the origin: its answer and the read units it cost. */
  const origin = async (url: string, ifNoneMatch?: string) => {
    const parsed = new URL(url, 'http://origin');
    const query = Object.fromEntries(parsed.searchParams);
    const headers: Record<string, string> = ifNoneMatch ? { 'if-none-match': ifNoneMatch } : {};
    const before = catalog.units;
    const handler = parsed.pathname === '/products' ? listHandler : getHandler;
    const answer = await handler(event(parsed.pathname, query, headers), context);
    if (answer.statusCode !== 200 && answer.statusCode !== 304) throw new Error(`${url} answered ${answer.statusCode}: ${answer.body}`);
    return { answer, units: catalog.units - before };
  };

  // The listing pages a shopper can reach by following cursors: the all-products listing and each vendor's, 5 deep.
  const pages = async (base: string) => {
    const urls = [base];
    for (let p = 1; p < 5; p++) {
      const body = JSON.parse((await origin(urls[p - 1] as string)).answer.body) as { nextCursor?: string };
      if (!body.nextCursor) break;
      urls.push(`${base}&cursor=${encodeURIComponent(body.nextCursor)}`);
    }
    return urls;
  };
  const storeListing = await pages(`/products?limit=${PAGE_SIZE}`);
  const vendorListings = await Promise.all(Array.from({ length: opts.vendors }, (_, v) => pages(`/products?limit=${PAGE_SIZE}&vendorId=vendor-${v}`)));

  // The browsing mix: 75% product pages (Zipf over a seeded shuffle of the products), 25% listing pages (4 in 5 the
  // store's, else a Zipf-drawn vendor's; page n+1 half as likely as page n).
  const ids = shuffle([...records.keys()]);
  const productZipf = new Zipf(ids.length, opts.zipf, random);
  const vendorZipf = new Zipf(opts.vendors, opts.zipf, random);
  const draw = (): string => {
    if (random() < 0.75) return `/products/${ids[productZipf.sample()] as string}`;
    const listing = random() < 0.8 ? storeListing : (vendorListings[vendorZipf.sample()] as string[]);
    let page = 0;
    while (page < listing.length - 1 && random() < 0.5) page++;
    return listing[page] as string;
  };
  const requests = (rate: number): Request[] => Array.from({ length: rate * opts.seconds }, (_, i) => ({ at: i / rate, url: draw() }));

  // The catalog does not change during the run, so each URL's answer and read units are the same every time: each
  // distinct URL goes through the origin once, and once more with its ETag to check the 304; the replays reuse them.
  const answers = new Map<string, { etag: string; cacheControl: string | undefined; units: number }>();
  const answerOf = async (url: string) => {
    let known = answers.get(url);
    if (!known) {
      const full = await origin(url);
      const etag = full.answer.headers?.ETag as string;
      const again = await origin(url, etag);
      if (again.answer.statusCode !== 304 || again.units !== full.units) throw new Error(`${url}: If-None-Match ${etag} answered ${again.answer.statusCode}`);
      known = { etag, cacheControl: full.answer.headers?.['Cache-Control'] as string | undefined, units: full.units };
      answers.set(url, known);
    }
    return known;
  };

  // Without a cache every request reaches the origin: the 100 requests/s replay, each request charged its URL's units.
  const uncachedRequests = requests(100);
  let uncachedUnits = 0;
  for (const r of uncachedRequests) uncachedUnits += (await answerOf(r.url)).units;
  const uncachedPerThousand = (uncachedUnits / uncachedRequests.length) * 1_000;

  const rows: string[] = [];
  for (const rate of RATES) {
    const replay = requests(rate);
    const seen = new Map<string, number>();
    for (const r of replay) seen.set(r.url, (seen.get(r.url) ?? 0) + 1);
    for (const edgeCount of EDGES) {
      const edges = Array.from({ length: edgeCount }, () => new Map<string, Entry>());
      let originRequests = 0;
      let notModified = 0;
      let units = 0;
      for (const r of replay) {
        const cache = edges[randomIndex(random, edgeCount)] as Map<string, Entry>;
        const entry = cache.get(r.url);
        const age = entry ? r.at - entry.storedAt : Infinity;
        if (entry && age < entry.maxAge) continue; // fresh hit
        // Stale within stale-while-revalidate: served from the cache while one revalidation runs (charged now);
        // beyond it, or absent: the viewer waits for the origin. Either way one conditional request when a copy exists.
        const fetched = await answerOf(r.url);
        originRequests++;
        units += fetched.units;
        if (entry?.etag === fetched.etag) notModified++;
        const times = cacheTimes(fetched.cacheControl);
        if (times) cache.set(r.url, { etag: fetched.etag, storedAt: r.at, ...times });
      }
      // The model: a URL asked λ times a second is fetched about once per max-age + 1/λ (Poisson arrivals), per edge.
      const modelled = [...seen.values()].reduce((sum, count) => {
        const lambda = count / opts.seconds / edgeCount;
        return sum + (edgeCount * lambda * opts.seconds) / (1 + lambda * policy.maxAgeSeconds);
      }, 0);
      const hit = 1 - originRequests / replay.length;
      rows.push(
        `| ${rate.toLocaleString('en-US')} | ${edgeCount} | ${replay.length.toLocaleString('en-US')} | ${seen.size.toLocaleString('en-US')} | ${originRequests.toLocaleString('en-US')} (${notModified.toLocaleString('en-US')} × 304) | ${(hit * 100).toFixed(1)}% | ${((1 - modelled / replay.length) * 100).toFixed(1)}% | ${((units / replay.length) * 1_000).toFixed(0)} | ${(uncachedPerThousand / Math.max(1e-9, (units / replay.length) * 1_000)).toFixed(1)}× |`,
      );
    }
  }

  const command = benchCommand('bench:catalog-cache');
  const report = [
    `Stage ${opts.stage}: Cache-Control \`public, max-age=${policy.maxAgeSeconds}, stale-while-revalidate=${policy.staleWhileRevalidateSeconds}\`. ${opts.products.toLocaleString('en-US')} products (${[...records.values()].reduce((s, r) => s + r.skus.length, 0).toLocaleString('en-US')} SKUs) of ${opts.vendors} vendors, Zipf s = ${opts.zipf.toFixed(2)}, seed ${opts.seed}, ${opts.seconds} s of traffic per rate.`,
    '',
    `**Without a cache:** ${uncachedPerThousand.toFixed(0)} read units per 1,000 catalog requests (every request reads DynamoDB; ${uncachedRequests.length.toLocaleString('en-US')} requests replayed).`,
    '',
    '| Requests/s | Edge caches | Requests | Distinct URLs | Origin requests | Hit ratio | Hit ratio (model) | Read units per 1,000 requests | Fewer reads |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
  console.log(`\n${report}\n`);
  const method = [
    '## Catalog cache',
    '',
    `\`${command}\` on ${new Date().toISOString().slice(0, 10)}, in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
    '',
    report,
    '',
    '- **Origin.** Each distinct URL is requested through the shared HTTP stack the Lambda handlers use (`httpHandler`: strong ETag over the body, the stage\u2019s Cache-Control, 304 on a matching If-None-Match) and the real `getProduct` and `listProducts` use cases (signed cursors), over an in-memory catalog charged as `DynamoDbCatalogRepository` reads, then again with its ETag, which must answer 304 for the same units; the catalog does not change during the run, so the replays charge every origin request its URL\u2019s units. Reads are charged as the adapter makes them: a product page is GetItem of the product plus BatchGetItem of its SKUs (strongly consistent, 1 unit per started 4 KB each); a listing page is a Query of the byStatus or byVendor index (eventually consistent, Limit max(limit, 25), half a unit per started 4 KB read) plus BatchGetItem of the page\u2019s SKUs. A 304 costs the origin what a 200 does: the ETag is computed over the body it reads.',
    '- **Mix.** 75% product pages, Zipf-distributed over a seeded shuffle of the products; 25% listing pages of 20, four in five the store\u2019s listing and one in five a vendor\u2019s (vendors Zipf-drawn), page n + 1 half as likely as page n, followed by the cursors the origin issued. Requests arrive evenly on a virtual clock; no catalog writes during the run (a write changes the ETag, so the next revalidation is a 200 instead of a 304: the read units are the same).',
    '- **Cache.** Each edge cache keeps an answer for its max-age; a request after that sends one conditional request (If-None-Match) to the origin, served stale meanwhile within stale-while-revalidate, and charged in full. With several edge caches each request goes to one at random and each fetches on its own: CloudFront\u2019s regional edge caches would merge some of those fetches, so the 10-edge rows are an upper bound on origin load for that spread. The model column is the hit ratio expected from each URL\u2019s rate \u03bb per edge: one fetch per max-age + 1/\u03bb.',
    '- **Reading it.** Without a cache DynamoDB serves every read; with the CDN the origin load is bounded by the number of distinct URLs over the TTL, not by the traffic: at Black Friday rates the hit ratio tends to 1, and the `STATUS#ACTIVE` partition of the byStatus index (the store listing) is read at most once per max-age per edge cache, whatever the traffic. Browser caches (the same Cache-Control) would cut the traffic further and are not counted.',
  ].join('\n');
  publishSection('catalog-cache', method, started);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
