import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import * as z from '../../../shared/validation/zod';
import { type FuzzPlan, type FuzzReport, formatFailures, runFuzz } from '../../fuzz/engine';
import { CONTENT_TYPES, hostileQueryPiece, jsonText } from '../../fuzz/hostile';
import { jsonSchemaOf, schemaMutant, schemaValue } from '../../fuzz/json-schema-arbitrary';
import { checkHttpAnswer } from '../../fuzz/stockade-invariants';

/**
 * The fuzz engine must be able to fail. A tiny API on 127.0.0.1 keeps every invariant except for one hostile
 * input: a `hasOwnProperty` query key shadows the method its naive query parser calls, and the crash is answered
 * 500 with the stack trace. The same engine, dictionaries and invariants as the Stockade suite find it, name the
 * request, and shrink it; against the same server without the flaw they find nothing.
 */

const ItemBody = z.strictObject({ name: z.string().check(z.minLength(1), z.maxLength(40)), quantity: z.number().check(z.int(), z.minimum(1), z.maximum(99)) });

const problem = (res: ServerResponse, status: number, detail: string) => {
  res.writeHead(status, { 'Content-Type': 'application/problem+json' });
  res.end(JSON.stringify({ type: 'about:blank', title: 'Refused', status, detail }));
};

function tinyApi(options: { flawed: boolean; hangOn?: string }): Server {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const url = new URL(req.url ?? '/', 'http://tiny.invalid');
        if (options.hangOn && url.search.includes(options.hangOn)) return; // never answers
        // The flaw: a query parsed into a plain object, then a method called on it.
        const query: Record<string, unknown> = options.flawed ? {} : Object.create(null);
        for (const [k, v] of url.searchParams) query[k] = v;
        // eslint-disable-next-line no-prototype-builtins -- the flaw this server exists to have
        const hasLimit = options.flawed ? (query as { hasOwnProperty(k: string): boolean }).hasOwnProperty('limit') : Object.hasOwn(query, 'limit');
        if (hasLimit && !/^\d{1,3}$/.test(String(query.limit))) return problem(res, 400, 'limit must be a number');
        if (req.method === 'GET' && url.pathname === '/items') {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          return res.end(JSON.stringify({ items: [] }));
        }
        if (req.method === 'POST' && url.pathname === '/items') {
          let body: unknown;
          try {
            body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            return problem(res, 400, 'not JSON');
          }
          if (!ItemBody.safeParse(body).success) return problem(res, 400, 'invalid item');
          res.writeHead(201, { 'Content-Type': 'application/json' });
          return res.end('{}');
        }
        return problem(res, 404, 'no such route');
      } catch (error) {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end((error as Error).stack);
      }
    });
  });
  // What Node refuses before any handler runs (a request line or headers past 16 KiB) is a problem too.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const body = JSON.stringify({ type: 'about:blank', title: 'Refused', status });
    socket.end(`HTTP/1.1 ${status} Refused\r\nContent-Type: application/problem+json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  });
  return server;
}

interface TinyRequest {
  readonly method: 'GET' | 'POST';
  readonly query: readonly string[];
  readonly body?: unknown;
  readonly contentType: string;
}

const bodySchema = jsonSchemaOf(ItemBody);
const plan: FuzzPlan<TinyRequest> = {
  arbitrary: fc.record({
    method: fc.constantFrom<'GET' | 'POST'>('GET', 'POST'),
    query: fc.array(hostileQueryPiece(['limit']), { maxLength: 3 }),
    body: fc.option(fc.oneof(schemaValue(bodySchema), schemaMutant(bodySchema)), { nil: undefined }),
    contentType: fc.constantFrom(...CONTENT_TYPES),
  }),
  label: (r) => `${r.method} /items`,
  materialize: (r, marker) => ({
    method: r.method,
    path: `/items${r.query.length ? `?${r.query.join('&')}` : ''}`,
    headers: [
      ['Content-Type', r.contentType],
      ['X-Marker', marker],
    ],
    ...(r.body === undefined ? {} : { body: Buffer.from(jsonText(r.body), 'utf8') }),
  }),
  check: (exchange) => checkHttpAnswer(exchange, { secrets: [], internal: [] }),
};

async function listening(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function fuzz(
  options: { flawed: boolean; hangOn?: string },
  extra: { requests?: number; timeoutMs?: number; seed?: number } = {},
): Promise<FuzzReport<TinyRequest>> {
  const server = tinyApi(options);
  try {
    return await runFuzz(plan, {
      baseUrl: await listening(server),
      requests: extra.requests ?? 400,
      seed: extra.seed ?? 20_240_601,
      concurrency: 8,
      timeoutMs: extra.timeoutMs ?? 5_000,
      markerFor: (i) => `m${i}`,
      shrink: { maxGroups: 3, maxAttempts: 60, maxMs: 10_000 },
    });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('the fuzz engine', () => {
  it('fails on the one hostile input that crashes a server, names the request and shrinks it', async () => {
    const report = await fuzz({ flawed: true });

    const crash = report.failures.find((g) => g.invariant === 'no-5xx');
    expect(crash).toBeDefined();
    const shrunk = crash?.shrunk;
    expect(shrunk?.reproduced).toBe(true);
    expect(shrunk?.attempts).toBeLessThanOrEqual(60);
    // The shrunk request still carries the trigger, and nothing it does not need.
    expect(shrunk?.exchange.wire.path).toMatch(/[?&]hasOwnProperty(=|&|$)/);
    expect(shrunk?.exchange.request.query.length).toBeLessThanOrEqual(crash?.first.exchange.request.query.length ?? 0);
    // The stack trace in the answer breaks its own invariant too.
    expect(report.failures.some((g) => g.invariant === 'no-leak')).toBe(true);

    const text = formatFailures(report) ?? '';
    expect(text).toContain(`FUZZ_SEED=${report.seed}`);
    expect(text).toContain('[no-5xx] GET /items');
    expect(text).toMatch(/(GET|POST) \/items\?\S*hasOwnProperty/);
    expect(text).toContain('-> 500 text/plain');
  });

  it('finds nothing on the same server without the flaw', async () => {
    const report = await fuzz({ flawed: false });
    expect(formatFailures(report)).toBeUndefined();
    expect(report.records).toHaveLength(400);
  });

  it('replays a run from its seed: the same requests in the same order', async () => {
    const first = await fuzz({ flawed: true }, { requests: 60, seed: 7 });
    const again = await fuzz({ flawed: true }, { requests: 60, seed: 7 });
    expect(again.records.map((r) => r.request)).toEqual(first.records.map((r) => r.request));
    expect(again.failures.map((g) => [g.key, g.first.exchange.index])).toEqual(first.failures.map((g) => [g.key, g.first.exchange.index]));
  });

  it('bounds every request: a server that never answers is a failure after the timeout, and the run still ends', async () => {
    const started = Date.now();
    const report = await fuzz({ flawed: false, hangOn: 'constructor' }, { requests: 120, timeoutMs: 300 });
    expect(report.records).toHaveLength(120);
    const silent = report.failures.find((g) => g.invariant === 'answered');
    expect(silent?.first.violations[0]?.message).toMatch(/no answer within 300 ms/);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('refuses to fuzz anything but loopback', async () => {
    await expect(runFuzz(plan, { baseUrl: 'http://example.com', requests: 1, seed: 1, markerFor: String })).rejects.toThrow(/only talks to loopback/);
  });
});
