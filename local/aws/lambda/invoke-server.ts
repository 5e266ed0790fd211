import { type IncomingMessage, type ServerResponse } from 'node:http';
import { LoopbackHttpServer, readBody } from '../../runtime/net';
import { type RequestAuthorizer, sendRefusal } from '../iam/authorizing-proxy';
import { FunctionNotFoundError, type LambdaService } from './lambda-service';
import { type InvokeOutcome, MAX_SYNC_REQUEST_BYTES, requestTooLarge } from './local-function';

/**
 * The Lambda Invoke API (POST /2015-03-31/functions/{FunctionName}/invocations) on loopback, so that callers
 * that invoke functions the AWS way (cognito-local's triggers, @aws-sdk/client-lambda) reach the local functions.
 * A handler error (a timeout too: Sandbox.Timedout) answers 200 with X-Amz-Function-Error: Unhandled, as Lambda
 * does; an invocation Lambda refuses is its API error (413 RequestEntityTooLargeException for a payload over 6 MB,
 * 429 TooManyRequestsException past the reserved concurrency).
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
    const url = new URL(req.url ?? '/', 'http://x');
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(url.pathname);
    // A version or alias may come as the Qualifier parameter instead of in the name: IAM and the lookup see
    // the qualified name either way, as Lambda authorizes `function:NAME:QUALIFIER`.
    const qualifier = url.searchParams.get('Qualifier');
    const functionName = match?.[1] ? decodeURIComponent(match[1]) + (qualifier ? `:${qualifier}` : '') : undefined;
    const refused = await this.authorize?.({
      service: 'lambda',
      headers: req.headers,
      body: Buffer.alloc(0),
      path: functionName ? `/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations` : url.pathname,
    });
    if (refused) return sendRefusal(res, refused);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
      res.end(text);
    };
    const sendRejection = (outcome: InvokeOutcome) => {
      const rejected = outcome.ok ? undefined : outcome.rejected;
      if (!rejected) return;
      const reason = rejected.reason ? { Reason: rejected.reason } : {};
      send(rejected.status, { ...reason, Type: 'User', message: rejected.message }, { 'x-amzn-ErrorType': rejected.type });
    };
    if (req.method !== 'POST' || !functionName)
      return send(404, { Type: 'User', message: 'Unknown operation' }, { 'x-amzn-ErrorType': 'ResourceNotFoundException' });
    let target;
    try {
      target = this.lambdas.resolve(functionName);
    } catch (error) {
      const message = error instanceof FunctionNotFoundError ? error.message : `Function not found: ${functionName}`;
      return send(404, { Type: 'User', message }, { 'x-amzn-ErrorType': 'ResourceNotFoundException' });
    }
    const { fn, version } = target;
    if (body.length > MAX_SYNC_REQUEST_BYTES) return sendRejection(requestTooLarge());
    let event: unknown;
    try {
      event = JSON.parse(body.toString('utf8') || 'null');
    } catch {
      return send(400, { Type: 'User', message: 'Could not parse request body into json' }, { 'x-amzn-ErrorType': 'InvalidRequestContentException' });
    }
    const outcome = await fn.invoke(event);
    if (outcome.ok) return send(200, outcome.value, { 'X-Amz-Executed-Version': version });
    if (outcome.rejected) return sendRejection(outcome);
    return send(200, outcome.error, { 'X-Amz-Function-Error': 'Unhandled', 'X-Amz-Executed-Version': version });
  }
}
