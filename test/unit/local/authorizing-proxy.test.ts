import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { AuthorizingProxy } from '../../../local/aws/iam/authorizing-proxy';
import { listenOnLoopback, closeServer } from '../../../local/runtime/net';

/**
 * The proxy in front of an emulator we do not own (DynamoDB Local, fauxqs) keeps its sockets to it alive. An emulator
 * closes a socket that sat idle, and a request sent on it at that moment fails before the emulator read it: the proxy
 * sends it again on another socket instead of answering 502. Against a real HTTP server on loopback that drops
 * the second request of every connection unanswered, the way a closing keep-alive socket fails.
 */
describe('AuthorizingProxy upstream sockets', () => {
  let upstream: Server;
  let port = 0;
  const seen: string[] = [];
  /** Connections whose next request is dropped unanswered. */
  let dropReused = true;
  let dropAll = false;

  beforeAll(async () => {
    const requestsOn = new WeakMap<Socket, number>();
    upstream = createServer((req, res) => {
      const n = (requestsOn.get(req.socket) ?? 0) + 1;
      requestsOn.set(req.socket, n);
      seen.push(`${req.url} #${n}`);
      if (dropAll || (dropReused && n > 1)) return void req.socket.destroy();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path: req.url }));
    });
    upstream.keepAliveTimeout = 60_000;
    port = await listenOnLoopback(upstream);
  });
  afterAll(() => closeServer(upstream));
  beforeEach(() => {
    seen.length = 0;
    dropReused = true;
    dropAll = false;
  });

  const proxies: AuthorizingProxy[] = [];
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((p) => p.stop()));
  });
  async function proxy(intercepting: boolean): Promise<string> {
    const p = new AuthorizingProxy(
      'dynamodb',
      () => port,
      () => Promise.resolve(undefined),
      intercepting ? { intercept: (_request, forward) => forward() } : {},
    );
    await p.start();
    proxies.push(p);
    return p.endpoint;
  }
  const post = (endpoint: string, path: string) => fetch(`${endpoint}${path}`, { method: 'POST', body: '{}' });

  it.each([
    ['streamed', false],
    ['read whole by an interceptor', true],
  ])('sends a request again when its kept-alive socket was closed under it (%s)', async (_, intercepting) => {
    const endpoint = await proxy(intercepting);
    expect((await post(endpoint, '/first')).status).toBe(200);
    const second = await post(endpoint, '/second');
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual({ path: '/second' });
    // Dropped once on the reused socket, answered on a new one.
    expect(seen).toEqual(['/first #1', '/second #2', '/second #1']);
  });

  it.each([
    ['streamed', false],
    ['read whole by an interceptor', true],
  ])('answers 502 InternalFailure when a new socket fails too, without trying again (%s)', async (_, intercepting) => {
    const endpoint = await proxy(intercepting);
    dropAll = true;
    const answer = await post(endpoint, '/lost');
    expect(answer.status).toBe(502);
    expect(await answer.json()).toMatchObject({ __type: 'InternalFailure', message: expect.stringContaining('did not answer') });
    expect(seen).toEqual(['/lost #1']);
  });
});
