import { type AddressInfo, createServer, Socket } from 'node:net';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export const LOOPBACK = '127.0.0.1';

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Resolves once something accepts TCP connections on host:port, or rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs: number, host = LOOPBACK): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.setTimeout(500);
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => (socket.destroy(), resolve(false)));
      socket.once('timeout', () => (socket.destroy(), resolve(false)));
      socket.connect(port, host);
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`Nothing listened on ${host}:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** An HTTP server listening on loopback only; `port` 0 picks a free one. */
export async function listenOnLoopback(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** Closes a server and every connection it still holds (keep-alive ones too), so the process can exit. */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** The whole body of a request. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** How long the local endpoints keep an idle keep-alive connection open. */
const KEEP_ALIVE_MS = 65_000;

/**
 * An HTTP server on 127.0.0.1 (a free port) that hands every request to `handle`: the shell of each local endpoint
 * Stockade writes itself (Lambda Invoke, Secrets Manager, the authorizing proxies), which keep only their handler.
 */
export class LoopbackHttpServer {
  private server?: Server;
  private port = 0;

  constructor(private readonly handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>) {}

  get endpoint(): string {
    return `http://${LOOPBACK}:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createHttpServer((req, res) => void this.handle(req, res));
    // Node closes an idle keep-alive connection after 5 s, and a client that sends on it at that moment gets "socket
    // hang up": under load (thousands of requests queued on a few sockets) that race repeats until the SDK's retries
    // run out. AWS endpoints keep idle connections far longer; so do these.
    server.keepAliveTimeout = KEEP_ALIVE_MS;
    server.headersTimeout = KEEP_ALIVE_MS + 1_000;
    this.port = await listenOnLoopback(server);
    this.server = server;
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }
}
