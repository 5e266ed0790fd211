import { Agent, type IncomingHttpHeaders, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { LOOPBACK, LoopbackHttpServer, readBody } from '../../runtime/net';
import type { AuthorizeInput, Refusal } from './iam';
import type { IamServiceName } from './request-mapping';

/** How long a socket to the emulator may sit idle in the pool: below DynamoDB Local's 30 s. */
const UPSTREAM_IDLE_MS = 20_000;

/** Authorizes one request; undefined lets it through. IamService#authorize, bound. */
export type RequestAuthorizer = (input: AuthorizeInput) => Promise<Refusal | undefined>;

/** Answers a refused request. */
export function sendRefusal(res: ServerResponse, refusal: Refusal): void {
  res.writeHead(refusal.status, { ...refusal.headers, 'Content-Length': Buffer.byteLength(refusal.body) });
  res.end(refusal.body);
}

/** An authorized request on its way to the emulator, as an interceptor sees it. */
export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** The emulator's answer, read whole. */
export interface ProxiedAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * Plays what the emulator lacks around one request: answers it itself, or calls `forward` (at most once) and
 * returns that answer or another.
 */
export type Interceptor = (request: ProxiedRequest, forward: () => Promise<ProxiedAnswer>) => Promise<ProxiedAnswer>;

export interface AuthorizingProxyOptions {
  readonly intercept?: Interceptor;
  /** Requests to the proxy's own paths (e.g. a report), answered before authorization; true when handled. */
  readonly own?: (req: IncomingMessage, res: ServerResponse, body: Buffer) => boolean;
}

/**
 * An HTTP proxy on loopback in front of an emulator we do not own (DynamoDB Local, fauxqs): each request is
 * authorized first, then forwarded unchanged (Host included, so what the emulator names after it stays the
 * proxy's address), and its answer streamed back; with an interceptor, the answer is read whole and passes through it.
 */
export class AuthorizingProxy {
  private readonly http = new LoopbackHttpServer((req, res) => this.handle(req, res));
  // DynamoDB Local's Jetty closes a connection idle for 30 s without saying so (no Keep-Alive hint): the pool lets a
  // socket go after 20 s idle, first (the timeout is of idleness only; a request in work is never cut by it).
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64, timeout: UPSTREAM_IDLE_MS });

  constructor(
    private readonly service: IamServiceName,
    private readonly upstreamPort: () => number,
    private readonly authorize: RequestAuthorizer,
    private readonly options: AuthorizingProxyOptions = {},
  ) {}

  get endpoint(): string {
    return this.http.endpoint;
  }

  start(): Promise<void> {
    return this.http.start();
  }

  async stop(): Promise<void> {
    await this.http.stop();
    this.agent.destroy();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (this.options.own?.(req, res, body)) return;
    const refused = await this.authorize({ service: this.service, headers: req.headers, body, path: req.url });
    if (refused) return sendRefusal(res, refused);
    const intercept = this.options.intercept;
    if (!intercept) return this.stream(req, body, res);
    const request: ProxiedRequest = { method: req.method ?? 'POST', path: req.url ?? '/', headers: req.headers, body };
    let answer: ProxiedAnswer;
    try {
      answer = await intercept(request, () => this.fetch(request));
    } catch (error) {
      answer = this.unreachable(error);
    }
    const headers = Object.entries(answer.headers).filter(([name, value]) => value !== undefined && name !== 'transfer-encoding' && name !== 'content-length');
    res.writeHead(answer.status, { ...Object.fromEntries(headers), 'content-length': answer.body.length });
    res.end(answer.body);
  }

  /** Forwards a request and streams the answer back as it comes. */
  private stream(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    const request: ProxiedRequest = { method: req.method ?? 'POST', path: req.url ?? '/', headers: req.headers, body };
    this.send(
      request,
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
      (error) => {
        if (res.headersSent) return void res.destroy(error);
        const failed = this.unreachable(error);
        res.writeHead(failed.status, { ...failed.headers, 'Content-Length': failed.body.length });
        res.end(failed.body);
      },
    );
  }

  /** Forwards a request and reads the whole answer. */
  private fetch(request: ProxiedRequest): Promise<ProxiedAnswer> {
    return new Promise((resolve, reject) => {
      this.send(
        request,
        (answer) => readBody(answer).then((body) => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body }), reject),
        reject,
      );
    });
  }

  /**
   * Sends a request upstream on a kept-alive socket. An emulator may close a socket that sat idle in the pool, and
   * reusing one just as it is closed fails with ECONNRESET ("socket hang up") before the emulator has read anything:
   * such a request goes again on the next socket, as Node's documentation advises (ClientRequest#reusedSocket). Each
   * failed socket is destroyed, so this ends by the pool's size at most; a new socket's failure, or one after an
   * answer began, is the caller's.
   */
  private send(request: ProxiedRequest, onAnswer: (answer: IncomingMessage) => void, onError: (error: Error) => void): void {
    let answered = false;
    const upstream = httpRequest(
      { host: LOOPBACK, port: this.upstreamPort(), method: request.method, path: request.path, headers: request.headers, agent: this.agent },
      (answer) => {
        answered = true;
        onAnswer(answer);
      },
    );
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (!answered && upstream.reusedSocket && error.code === 'ECONNRESET') return this.send(request, onAnswer, onError);
      onError(error);
    });
    upstream.end(request.body);
  }

  private unreachable(error: unknown): ProxiedAnswer {
    const message = error instanceof Error ? error.message : String(error);
    const body = Buffer.from(JSON.stringify({ __type: 'InternalFailure', message: `The local ${this.service} emulator did not answer: ${message}` }));
    return { status: 502, headers: { 'content-type': 'application/json' }, body };
  }
}
