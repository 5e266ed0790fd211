import { Agent, type IncomingHttpHeaders, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { LOOPBACK, LoopbackHttpServer, readBody } from '../../runtime/net';
import type { AuthorizeInput, Refusal } from './iam';
import type { IamServiceName } from './request-mapping';

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
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

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
    const upstream = httpRequest(
      { host: LOOPBACK, port: this.upstreamPort(), method: req.method, path: req.url, headers: req.headers, agent: this.agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (res.headersSent) return void res.destroy(error);
      const failed = this.unreachable(error);
      res.writeHead(failed.status, { ...failed.headers, 'Content-Length': failed.body.length });
      res.end(failed.body);
    });
    upstream.end(body);
  }

  /** Forwards a request and reads the whole answer. */
  private fetch(request: ProxiedRequest): Promise<ProxiedAnswer> {
    return new Promise((resolve, reject) => {
      const upstream = httpRequest(
        { host: LOOPBACK, port: this.upstreamPort(), method: request.method, path: request.path, headers: request.headers, agent: this.agent },
        (answer) => {
          readBody(answer).then((body) => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body }), reject);
        },
      );
      upstream.on('error', reject);
      upstream.end(request.body);
    });
  }

  private unreachable(error: unknown): ProxiedAnswer {
    const message = error instanceof Error ? error.message : String(error);
    const body = Buffer.from(JSON.stringify({ __type: 'InternalFailure', message: `The local ${this.service} emulator did not answer: ${message}` }));
    return { status: 502, headers: { 'content-type': 'application/json' }, body };
  }
}
