import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { LOCAL_ACCOUNT } from '../intrinsics';
import type { LambdaService } from '../lambda/lambda-service';
import { closeServer, listenOnLoopback, LOOPBACK } from '../net';
import type { ApiRoute, RestApiModel } from './rest-api-model';

/** API Gateway's payload limit for REST APIs. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/** What API Gateway answers when no gateway response of the type is configured. */
const DEFAULT_GATEWAY_RESPONSES: Record<string, { status: number; message: string }> = {
  MISSING_AUTHENTICATION_TOKEN: { status: 403, message: 'Missing Authentication Token' },
  BAD_REQUEST_PARAMETERS: { status: 400, message: 'Missing required request parameters' },
  REQUEST_TOO_LARGE: { status: 413, message: 'Request Too Long' },
  UNAUTHORIZED: { status: 401, message: 'Unauthorized' },
  ACCESS_DENIED: { status: 403, message: 'User is not authorized to access this resource' },
  AUTHORIZER_FAILURE: { status: 500, message: 'Authorizer failure' },
  AUTHORIZER_CONFIGURATION_ERROR: { status: 500, message: 'Authorizer configuration error' },
  INTEGRATION_FAILURE: { status: 502, message: 'Internal server error' },
  INTEGRATION_TIMEOUT: { status: 504, message: 'Endpoint request timed out' },
};

/** Result of a Lambda authorizer, as the gateway uses it. */
export type AuthorizerDecision =
  | { readonly allow: true; readonly principalId: string; readonly context: Record<string, string | number | boolean> }
  | { readonly allow: false; readonly responseType: 'UNAUTHORIZED' | 'ACCESS_DENIED' | 'AUTHORIZER_FAILURE' | 'AUTHORIZER_CONFIGURATION_ERROR' };

/** Emulates the authorizer of a method; the identity issue plugs the Lambda authorizer in here. */
export type RouteAuthorizer = (route: ApiRoute, event: APIGatewayProxyEvent) => Promise<AuthorizerDecision>;

export interface RestApiServerOptions {
  readonly model: RestApiModel;
  readonly lambdas: LambdaService;
  readonly authorizer?: RouteAuthorizer;
  /** @default 0 (any free port) */
  readonly port?: number;
}

interface MatchedRoute {
  readonly route: ApiRoute;
  readonly pathParameters: Record<string, string>;
}

/**
 * Serves the synthesized REST API on loopback the way API Gateway does: routes and methods from the template,
 * required request parameters, the 10 MB payload limit, REST proxy events of the real shape to the function the
 * template integrates, proxy-response validation, integration timeouts and the template's gateway responses.
 */
export class RestApiServer {
  private server?: Server;
  private port = 0;
  private readonly apiId = randomBytes(5).toString('hex');

  constructor(private readonly options: RestApiServerOptions) {}

  get url(): string {
    return `http://${LOOPBACK}:${this.port}`;
  }

  get stageName(): string {
    return this.options.model.stageName;
  }

  get routes(): readonly ApiRoute[] {
    return this.options.model.routes;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        process.stderr.write(`[api] unexpected emulator error: ${(error as Error).stack ?? String(error)}\n`);
        if (!res.headersSent) this.gatewayResponse(res, 'INTEGRATION_FAILURE', randomUUID(), req.url ?? '/', 'Internal server error');
      });
    });
    server.keepAliveTimeout = 5_000;
    this.port = await listenOnLoopback(server, this.options.port ?? 0);
    this.server = server;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();

    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_PAYLOAD_BYTES) return this.gatewayResponse(res, 'REQUEST_TOO_LARGE', requestId, url.pathname);
      chunks.push(chunk as Buffer);
    }
    const matched = this.match(method, url.pathname);
    if (!matched) return this.gatewayResponse(res, 'MISSING_AUTHENTICATION_TOKEN', requestId, url.pathname);
    const { route } = matched;

    const headerNames = new Set(Object.keys(req.headers));
    const missing = [
      ...route.requiredHeaders.filter((h) => !headerNames.has(h.toLowerCase())),
      ...route.requiredQuery.filter((q) => !url.searchParams.has(q)),
    ];
    if (missing.length > 0) {
      return this.gatewayResponse(res, 'BAD_REQUEST_PARAMETERS', requestId, url.pathname, `Missing required request parameters: [${missing.join(', ')}]`);
    }

    if (route.integration.kind === 'mock') {
      res.writeHead(route.integration.statusCode, { ...route.integration.headers, 'x-amzn-RequestId': requestId });
      res.end();
      return;
    }

    const event = this.toEvent(req, url, method, matched, Buffer.concat(chunks), requestId);
    if (route.authorizationType !== 'NONE') {
      if (!this.options.authorizer) return this.gatewayResponse(res, 'AUTHORIZER_CONFIGURATION_ERROR', requestId, url.pathname);
      const decision = await this.options.authorizer(route, event);
      if (!decision.allow) return this.gatewayResponse(res, decision.responseType, requestId, url.pathname);
      (event.requestContext as { authorizer: unknown }).authorizer = { principalId: decision.principalId, ...decision.context };
    }

    const fn = this.options.lambdas.get(route.integration.functionLogicalId);
    const timeoutMs = route.integration.timeoutMs;
    const outcome = await Promise.race([
      fn.invoke(event),
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref()),
    ]);
    if (outcome === 'timeout') return this.gatewayResponse(res, 'INTEGRATION_TIMEOUT', requestId, url.pathname);
    if (!outcome.ok) return this.gatewayResponse(res, 'INTEGRATION_FAILURE', requestId, url.pathname);

    const response = outcome.value as { statusCode?: unknown; headers?: Record<string, unknown>; multiValueHeaders?: Record<string, unknown[]>; body?: unknown; isBase64Encoded?: unknown } | null;
    if (!response || typeof response !== 'object' || typeof response.statusCode !== 'number' || (response.body !== undefined && typeof response.body !== 'string')) {
      // API Gateway's answer to a malformed Lambda proxy response.
      return this.gatewayResponse(res, 'INTEGRATION_FAILURE', requestId, url.pathname);
    }
    const headers: Record<string, string | string[]> = { 'x-amzn-RequestId': requestId };
    for (const [k, v] of Object.entries(response.headers ?? {})) headers[k] = String(v);
    for (const [k, values] of Object.entries(response.multiValueHeaders ?? {})) headers[k] = values.map(String);
    const body = response.body === undefined ? Buffer.alloc(0) : response.isBase64Encoded === true ? Buffer.from(response.body, 'base64') : Buffer.from(response.body, 'utf8');
    headers['Content-Length'] = String(body.length);
    res.writeHead(response.statusCode, headers);
    res.end(body);
  }

  private match(method: string, pathname: string): MatchedRoute | undefined {
    const segments = pathname.split('/').filter(Boolean);
    let best: { matched: MatchedRoute; score: number } | undefined;
    for (const route of this.options.model.routes) {
      if (route.httpMethod !== method && route.httpMethod !== 'ANY') continue;
      const template = route.resourcePath.split('/').filter(Boolean);
      const params: Record<string, string> = {};
      let score = 0;
      let ok = true;
      for (let i = 0; i < template.length; i++) {
        const part = template[i] as string;
        const segment = segments[i];
        if (part.endsWith('+}')) {
          if (segment === undefined) ok = false;
          else params[part.slice(1, -2)] = segments.slice(i).map(decodeURIComponent).join('/');
          score += 1;
          i = template.length;
          break;
        }
        if (segment === undefined) {
          ok = false;
          break;
        }
        if (part.startsWith('{') && part.endsWith('}')) {
          params[part.slice(1, -1)] = decodeURIComponent(segment);
          score += 10;
        } else if (part === segment) {
          score += 100;
        } else {
          ok = false;
          break;
        }
      }
      if (ok && !route.resourcePath.includes('+}') && template.length !== segments.length) ok = false;
      if (ok && (!best || score > best.score || (score === best.score && route.httpMethod === method))) {
        best = { matched: { route, pathParameters: params }, score };
      }
    }
    return best?.matched;
  }

  private toEvent(req: IncomingMessage, url: URL, method: string, matched: MatchedRoute, body: Buffer, requestId: string): APIGatewayProxyEvent {
    const headers: Record<string, string> = {};
    const multiValueHeaders: Record<string, string[]> = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i] as string;
      const value = req.rawHeaders[i + 1] as string;
      headers[name] = value;
      (multiValueHeaders[name] ??= []).push(value);
    }
    const query: Record<string, string> = {};
    const multiQuery: Record<string, string[]> = {};
    for (const [k, v] of url.searchParams) {
      query[k] = v;
      (multiQuery[k] ??= []).push(v);
    }
    const now = new Date();
    const { stageName } = this.options.model;
    const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    return {
      resource: matched.route.resourcePath,
      path: url.pathname,
      httpMethod: method,
      headers,
      multiValueHeaders,
      queryStringParameters: Object.keys(query).length ? query : null,
      multiValueQueryStringParameters: Object.keys(multiQuery).length ? multiQuery : null,
      pathParameters: Object.keys(matched.pathParameters).length ? matched.pathParameters : null,
      stageVariables: null,
      body: body.length ? body.toString('utf8') : null,
      isBase64Encoded: false,
      requestContext: {
        accountId: LOCAL_ACCOUNT,
        apiId: this.apiId,
        authorizer: undefined,
        domainName: req.headers.host ?? `${LOOPBACK}:${this.port}`,
        domainPrefix: this.apiId,
        extendedRequestId: randomBytes(8).toString('base64url'),
        httpMethod: method,
        identity: {
          accessKey: null,
          accountId: null,
          apiKey: null,
          apiKeyId: null,
          caller: null,
          clientCert: null,
          cognitoAuthenticationProvider: null,
          cognitoAuthenticationType: null,
          cognitoIdentityId: null,
          cognitoIdentityPoolId: null,
          principalOrgId: null,
          sourceIp,
          user: null,
          userAgent: req.headers['user-agent'] ?? null,
          userArn: null,
        },
        path: `/${stageName}${url.pathname}`,
        protocol: `HTTP/${req.httpVersion}`,
        requestId,
        requestTime: now.toUTCString(),
        requestTimeEpoch: now.getTime(),
        resourceId: matched.route.resourceLogicalId,
        resourcePath: matched.route.resourcePath,
        stage: stageName,
      },
    } as APIGatewayProxyEvent;
  }

  /** Answers with the template's gateway response of `type` (or its DEFAULT_4XX/5XX), else API Gateway's default. */
  private gatewayResponse(res: ServerResponse, type: string, requestId: string, path: string, message?: string): void {
    const builtIn = DEFAULT_GATEWAY_RESPONSES[type] ?? { status: 500, message: 'Internal server error' };
    const text = message ?? builtIn.message;
    const configured = this.options.model.gatewayResponses.get(type) ?? this.options.model.gatewayResponses.get(builtIn.status >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX');
    const status = configured?.statusCode ?? builtIn.status;
    const body = configured?.template
      ? configured.template
          .replaceAll('$context.error.messageString', JSON.stringify(text))
          .replaceAll('$context.error.message', text)
          .replaceAll('$context.requestId', requestId)
          .replaceAll('$context.path', path)
          .replaceAll('$context.resourcePath', path)
      : JSON.stringify({ message: text });
    const contentType = configured?.template ? (configured.headers['Content-Type'] ?? 'application/json') : 'application/json';
    res.writeHead(status, { ...configured?.headers, 'Content-Type': contentType, 'x-amzn-RequestId': requestId, 'x-amzn-ErrorType': type, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }
}
