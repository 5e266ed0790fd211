import { type IncomingMessage, type ServerResponse } from 'node:http';
import { LoopbackHttpServer, readBody } from '../../runtime/net';
import { type RequestAuthorizer, sendRefusal } from '../iam/authorizing-proxy';
import type { LambdaService } from './lambda-service';

/**
 * The Lambda Invoke API (POST /2015-03-31/functions/{FunctionName}/invocations) on loopback, so that callers
 * that invoke functions the AWS way (cognito-local's triggers, @aws-sdk/client-lambda) reach the local functions.
 * A handler error answers 200 with X-Amz-Function-Error: Unhandled, as Lambda does.
 */
export class LambdaInvokeServer {
  private readonly http = new LoopbackHttpServer((req, res) => this.handle(req, res));

  constructor(
    private readonly lambdas: LambdaService,
    private readonly authorize?: RequestAuthorizer,
  ) {}

  get endpoint(): string {
    return this.http.endpoint;
  }

  start(): Promise<void> {
    return this.http.start();
  }

  async stop(): Promise<void> {
    await this.http.stop();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const refused = await this.authorize?.({
      service: 'lambda',
      headers: req.headers,
      body: Buffer.alloc(0),
      path: new URL(req.url ?? '/', 'http://x').pathname,
    });
    if (refused) return sendRefusal(res, refused);
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
      res.end(text);
    };
    if (req.method !== 'POST' || !match?.[1])
      return send(404, { Type: 'User', message: 'Unknown operation' }, { 'x-amzn-ErrorType': 'ResourceNotFoundException' });
    let fn;
    try {
      fn = this.lambdas.byName(decodeURIComponent(match[1]));
    } catch {
      return send(404, { Type: 'User', message: `Function not found: ${match[1]}` }, { 'x-amzn-ErrorType': 'ResourceNotFoundException' });
    }
    let event: unknown;
    try {
      event = JSON.parse(body.toString('utf8') || 'null');
    } catch {
      return send(400, { Type: 'User', message: 'Could not parse request body into json' }, { 'x-amzn-ErrorType': 'InvalidRequestContentException' });
    }
    const outcome = await fn.invoke(event);
    if (outcome.ok) return send(200, outcome.value, { 'X-Amz-Executed-Version': '$LATEST' });
    return send(200, outcome.error, { 'X-Amz-Function-Error': 'Unhandled', 'X-Amz-Executed-Version': '$LATEST' });
  }
}
