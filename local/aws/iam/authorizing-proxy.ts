import { Agent, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
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

/**
 * An HTTP proxy on loopback in front of an emulator we do not own (DynamoDB Local, fauxqs): each request is
 * authorized first, then forwarded unchanged (Host included, so what the emulator names after it stays the
 * proxy's address), and its answer streamed back.
 */
export class AuthorizingProxy {
  private readonly http = new LoopbackHttpServer((req, res) => this.handle(req, res));
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

  constructor(
    private readonly service: IamServiceName,
    private readonly upstreamPort: () => number,
    private readonly authorize: RequestAuthorizer,
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
    const refused = await this.authorize({ service: this.service, headers: req.headers, body, path: req.url });
    if (refused) return sendRefusal(res, refused);
    const upstream = httpRequest(
      { host: LOOPBACK, port: this.upstreamPort(), method: req.method, path: req.url, headers: req.headers, agent: this.agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (res.headersSent) return void res.destroy(error);
      const text = JSON.stringify({ __type: 'InternalFailure', message: `The local ${this.service} emulator did not answer: ${error.message}` });
      res.writeHead(502, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    });
    upstream.end(body);
  }
}
