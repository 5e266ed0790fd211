import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { LOCAL_ACCOUNT } from '../../runtime/intrinsics';
import type { LambdaService } from '../lambda/lambda-service';
import { closeServer, listenOnLoopback, LOOPBACK } from '../../runtime/net';
import { type GatewayAnswer, type GatewayRequestContext, renderFrontDoorResponse, renderGatewayResponse } from './gateway-response';
import { BodyModels, TokenBucket } from './edge-checks';
import type { WafRequest, WebAcl } from '../waf/web-acl';
import type { CustomBlockResponse } from '../waf/web-acl-model';
import { type ApiRoute, invocationTarget, type RestApiModel } from './rest-api-model';
import {
  dataRecord,
  decodePath,
  headerParameters,
  headerValue,
  headerValuesSize,
  MAX_HEADER_VALUES_BYTES,
  missingParameters,
  parseRequestTarget,
  pathOf,
  type RequestParameters,
  queryParameters,
  type RequestTarget,
  targetOfRawRequest,
} from './request-parts';

/** API Gateway's payload limit for REST APIs. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/**
 * How much of a header section Node parses before it gives up (its default is 16 KiB). Well above API Gateway's
 * 10,240 bytes of header values, so that the emulator sees an oversized header section and answers it as API
 * Gateway does; a section larger still is answered from the 'clientError' handler.
 */
const MAX_PARSED_HEADER_BYTES = 64 * 1024;

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
  /**
   * Plays the stage's throttle (429 THROTTLED once its token bucket is empty). On in `npm start`; the test suite turns
   * it off because its fuzz run deliberately sends more than the dev stage's rate, and proves the throttle apart.
   * @default true
   */
  readonly throttle?: boolean;
  /**
   * The web ACL the template associates with the stage, played in front of everything the API does: a request it
   * blocks is answered with the rule's custom response, or the API's WAF_FILTERED gateway response, and never
   * reaches an authorizer or a function.
   */
  readonly webAcl?: WebAcl;
  /** Told of every response the stage sends (status, latency), as API Gateway's metrics see it. @default none */
  readonly observe?: (response: { status: number; latencyMs: number }) => void;
}

interface MatchedRoute {
  readonly route: ApiRoute;
  readonly pathParameters: Record<string, string>;
}

/** A request as the gateway has read it so far. */
interface ReadRequest {
  readonly requestId: string;
  readonly method: string;
  readonly target: RequestTarget;
  readonly headers: RequestParameters;
}

/**
 * Serves the synthesized REST API on loopback the way API Gateway does: the stage's web ACL in front, routes and
 * methods from the template, required request parameters, the 10 MB payload limit, REST proxy events of the real
 * shape to the function the template integrates, proxy-response validation, integration timeouts and the
 * template's gateway responses.
 */
export class RestApiServer {
  private server?: Server;
  private port = 0;
  private readonly apiId = randomBytes(5).toString('hex');

  private readonly bodyModels = new BodyModels();
  private readonly throttle: TokenBucket | undefined;

  constructor(private readonly options: RestApiServerOptions) {
    this.throttle = options.throttle !== false && options.model.throttle ? new TokenBucket(options.model.throttle) : undefined;
  }

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
    const server = createServer({ maxHeaderSize: MAX_PARSED_HEADER_BYTES }, (req, res) => {
      const observe = this.options.observe;
      if (observe) {
        const started = performance.now();
        res.once('finish', () => observe({ status: res.statusCode, latencyMs: performance.now() - started }));
      }
      this.handle(req, res).catch((error: unknown) => {
        // The full error stays in the runtime's log; the client gets API Gateway's internal error, no internals.
        const requestId = randomUUID();
        process.stderr.write(`[api] unexpected emulator error (request ${requestId}): ${(error as Error).stack ?? String(error)}\n`);
        try {
          if (res.headersSent) res.destroy();
          else this.write(res, requestId, renderGatewayResponse(this.options.model.gatewayResponses, 'DEFAULT_5XX', { requestId, path: pathOf(req.url) }));
        } catch {
          res.destroy();
        }
      });
    });
    server.on('clientError', (error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex) => this.refuseUnparsable(error, socket));
    server.keepAliveTimeout = 5_000;
    this.port = await listenOnLoopback(server, this.options.port ?? 0);
    this.server = server;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const method = (req.method ?? 'GET').toUpperCase();
    const target = parseRequestTarget(req.url ?? '/');
    if (!target) return this.write(res, requestId, this.frontDoor(400, { requestId, path: '/', httpMethod: method }));
    if (headerValuesSize(req.rawHeaders) > MAX_HEADER_VALUES_BYTES) {
      // API Gateway REST's quota "Total combined size of all header values: 10240 bytes" (developer guide, REST API
      // quotas). What it answers beyond it is not documented; users behind it report 431 Request Header Fields Too
      // Large (backbencher.dev/solved-431-status-code-with-request-header-fields-too-large) with the message "HTTP
      // header is larger than 10240 bytes" (ntsblog.homedev.com.au, 2021-03-09). It refuses before routing, so no
      // gateway response type applies: the answer is rendered in the API's DEFAULT_4XX shape with status 431.
      return this.write(res, requestId, this.frontDoor(431, { requestId, path: target.path, httpMethod: method }));
    }
    const request: ReadRequest = { requestId, method, target, headers: headerParameters(req.rawHeaders) };

    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_PAYLOAD_BYTES) return this.gatewayResponse(res, 'REQUEST_TOO_LARGE', request);
      chunks.push(chunk as Buffer);
    }
    const requestBody = Buffer.concat(chunks);
    // The web ACL sees the request first (before throttling, routing and authorizers: AWS WAF is "evaluated before
    // other access control features"), once API Gateway's own front door has accepted its size.
    if (this.options.webAcl) {
      const verdict = this.options.webAcl.evaluate(this.wafRequest(req, request, requestBody));
      if (verdict.action === 'block') {
        if (!verdict.custom) return this.gatewayResponse(res, 'WAF_FILTERED', request);
        return this.writeCustomBlock(res, requestId, verdict.custom);
      }
    }
    if (this.throttle && !this.throttle.take()) return this.gatewayResponse(res, 'THROTTLED', request);
    const segments = decodePath(target.path);
    if (!segments) {
      // API Gateway REST refuses a path whose percent-encoding is malformed with its own 400 and never reaches the
      // integration (reported for REST APIs: github.com/ustayready/fireprox/issues/27). No specific gateway
      // response type names it, so it is answered through DEFAULT_4XX, as API Gateway answers an unnamed 4xx.
      // Whether AWS refuses escapes that are well-formed hex but not UTF-8 (%FF, overlong %C0%AF) or decodes them
      // to U+FFFD is not documented; the emulator refuses them too (either way the client gets a 4xx).
      return this.gatewayResponse(res, 'DEFAULT_4XX', request, undefined, 'Malformed percent-encoding in the request path');
    }
    const matched = this.match(method, segments);
    if (!matched) return this.gatewayResponse(res, 'MISSING_AUTHENTICATION_TOKEN', request);
    const { route } = matched;

    if (route.integration.kind === 'mock') {
      res.writeHead(route.integration.statusCode, { ...route.integration.headers, 'x-amzn-RequestId': requestId });
      res.end();
      return;
    }

    const event = this.toEvent(req, request, matched, requestBody);
    if (route.authorizationType !== 'NONE') {
      if (!this.options.authorizer) return this.gatewayResponse(res, 'AUTHORIZER_CONFIGURATION_ERROR', request, route);
      const decision = await this.options.authorizer(route, event);
      if (!decision.allow) return this.gatewayResponse(res, decision.responseType, request, route);
      const authorizer = dataRecord<string | number | boolean>();
      Object.assign(authorizer, decision.context, { principalId: decision.principalId });
      (event.requestContext as { authorizer: unknown }).authorizer = authorizer;
    }

    // Request validation runs after authorization, as in API Gateway's execution logs: an unauthorized caller gets
    // 401/403 whatever it sent, and only a caller that may call the method learns what its input must be.
    const missing = missingParameters({ headers: route.requiredHeaders, query: route.requiredQuery }, request.headers.single, target.query);
    if (missing.length > 0) {
      return this.gatewayResponse(res, 'BAD_REQUEST_PARAMETERS', request, route, `Missing required request parameters: [${missing.join(', ')}]`);
    }
    if (route.bodyModel && this.bodyModels.refuses(route.bodyModel, headerValue(request.headers.single, 'content-type'), requestBody)) {
      return this.gatewayResponse(res, 'BAD_REQUEST_BODY', request, route);
    }

    const fn = invocationTarget(this.options.lambdas, route.integration);
    const timeoutMs = route.integration.timeoutMs;
    const outcome = await Promise.race([fn.invoke(event), new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref())]);
    // The integration's own limit (TimeoutInMillis, API Gateway's 29 s by default) is 504 INTEGRATION_TIMEOUT, and the
    // function runs on to its own timeout. A function that fails first, its own timeout (Sandbox.Timedout) included,
    // or that Lambda refuses to run (throttled past its reserved concurrency, a payload over 6 MB) is a failed
    // integration: INTEGRATION_FAILURE, which proxy integrations answer 502 unless the API configures it.
    if (outcome === 'timeout') return this.gatewayResponse(res, 'INTEGRATION_TIMEOUT', request, route);
    if (!outcome.ok) return this.gatewayResponse(res, 'INTEGRATION_FAILURE', request, route);

    const response = outcome.value as {
      statusCode?: unknown;
      headers?: Record<string, unknown>;
      multiValueHeaders?: Record<string, unknown[]>;
      body?: unknown;
      isBase64Encoded?: unknown;
    } | null;
    if (
      !response ||
      typeof response !== 'object' ||
      typeof response.statusCode !== 'number' ||
      (response.body !== undefined && typeof response.body !== 'string')
    ) {
      // API Gateway's answer to a malformed Lambda proxy response.
      return this.gatewayResponse(res, 'INTEGRATION_FAILURE', request, route);
    }
    const headers = dataRecord<string | string[]>();
    headers['x-amzn-RequestId'] = requestId;
    for (const [k, v] of Object.entries(response.headers ?? {})) headers[k] = String(v);
    for (const [k, values] of Object.entries(response.multiValueHeaders ?? {})) {
      if (!Array.isArray(values)) return this.gatewayResponse(res, 'INTEGRATION_FAILURE', request, route);
      headers[k] = values.map(String);
    }
    const body =
      response.body === undefined
        ? Buffer.alloc(0)
        : response.isBase64Encoded === true
          ? Buffer.from(response.body, 'base64')
          : Buffer.from(response.body, 'utf8');
    headers['Content-Length'] = String(body.length);
    res.writeHead(response.statusCode, headers);
    res.end(body);
  }

  /** The route for a method and the request path's decoded segments (API Gateway matches resources on decoded paths). */
  private match(method: string, segments: readonly string[]): MatchedRoute | undefined {
    let best: { matched: MatchedRoute; score: number } | undefined;
    for (const route of this.options.model.routes) {
      if (route.httpMethod !== method && route.httpMethod !== 'ANY') continue;
      const template = route.resourcePath.split('/').filter(Boolean);
      const params = dataRecord<string>();
      let score = 0;
      let ok = true;
      for (let i = 0; i < template.length; i++) {
        const part = template[i] as string;
        const segment = segments[i];
        if (part.endsWith('+}')) {
          if (segment === undefined) ok = false;
          else params[part.slice(1, -2)] = segments.slice(i).join('/');
          score += 1;
          i = template.length;
          break;
        }
        if (segment === undefined) {
          ok = false;
          break;
        }
        if (part.startsWith('{') && part.endsWith('}')) {
          params[part.slice(1, -1)] = segment;
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

  private toEvent(req: IncomingMessage, request: ReadRequest, matched: MatchedRoute, body: Buffer): APIGatewayProxyEvent {
    const { requestId, method, target } = request;
    const headers = request.headers;
    const query = queryParameters(target.query);
    const now = new Date();
    const { stageName } = this.options.model;
    const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    return {
      resource: matched.route.resourcePath,
      path: target.path,
      httpMethod: method,
      headers: headers.single,
      multiValueHeaders: headers.multi,
      queryStringParameters: Object.keys(query.single).length ? query.single : null,
      multiValueQueryStringParameters: Object.keys(query.multi).length ? query.multi : null,
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
        path: `/${stageName}${target.path}`,
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

  /** The request as AWS WAF inspects it: the connection's address, and the URI path as on the execute-api host. */
  private wafRequest(req: IncomingMessage, request: ReadRequest, body: Buffer): WafRequest {
    const raw = req.url ?? '/';
    const query = raw.indexOf('?');
    const headers: Array<[string, string]> = [];
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string]);
    return {
      sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      method: request.method,
      uriPath: `/${this.options.model.stageName}${request.target.path}`,
      queryString: query < 0 ? '' : raw.slice(query + 1),
      headers,
      body,
    };
  }

  /** A Block action's custom response, which AWS WAF sends instead of anything the API would answer. */
  private writeCustomBlock(res: ServerResponse, requestId: string, custom: CustomBlockResponse): void {
    const contentTypes: Record<string, string> = { APPLICATION_JSON: 'application/json', TEXT_HTML: 'text/html', TEXT_PLAIN: 'text/plain' };
    const body = custom.body?.content ?? '';
    res.writeHead(custom.status, {
      ...custom.headers,
      ...(custom.body ? { 'Content-Type': contentTypes[custom.body.contentType] ?? 'text/plain' } : {}),
      'x-amzn-RequestId': requestId,
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
  }

  /** The $context of a request for a gateway response; `path` is the request path without the query string. */
  private context(request: ReadRequest, route?: ApiRoute): GatewayRequestContext {
    return {
      requestId: request.requestId,
      // Locally the stage is not part of the URL, so $context.path is the path the client called (on AWS it starts
      // with /<stage> on the execute-api host).
      path: request.target.path,
      httpMethod: request.method,
      stage: this.options.model.stageName,
      apiId: this.apiId,
      accountId: LOCAL_ACCOUNT,
      ...(route ? { resourcePath: route.resourcePath, resourceId: route.resourceLogicalId } : {}),
    };
  }

  /** Answers with the API's gateway response of `type` (or its DEFAULT_4XX/5XX), else API Gateway's built-in one. */
  private gatewayResponse(res: ServerResponse, type: string, request: ReadRequest, route?: ApiRoute, message?: string): void {
    this.write(res, request.requestId, renderGatewayResponse(this.options.model.gatewayResponses, type, this.context(request, route), message), type);
  }

  /** API Gateway's answer to a request it refuses before routing (see renderFrontDoorResponse). */
  private frontDoor(status: number, context: GatewayRequestContext): GatewayAnswer {
    return renderFrontDoorResponse(this.options.model.gatewayResponses, status, context);
  }

  private write(res: ServerResponse, requestId: string, answer: GatewayAnswer, errorType?: string): void {
    res.writeHead(answer.status, {
      ...answer.headers,
      'x-amzn-RequestId': requestId,
      ...(errorType ? { 'x-amzn-ErrorType': errorType } : {}),
      'Content-Length': Buffer.byteLength(answer.body),
    });
    res.end(answer.body);
  }

  /**
   * Answers what Node's HTTP parser refused (a malformed request line or header, a header section beyond even
   * MAX_PARSED_HEADER_BYTES, a request that timed out) in the API's problem shape instead of Node's bare status
   * line, then closes the connection. As Node's own handler does, it writes nothing when a response is already on
   * the wire or the socket is gone.
   */
  private refuseUnparsable(error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex): void {
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const requestId = randomUUID();
    const answer = this.frontDoor(status, { requestId, path: pathOf(targetOfRawRequest(error.rawPacket)) });
    const headers = { ...answer.headers, 'x-amzn-RequestId': requestId, 'Content-Length': String(Buffer.byteLength(answer.body)), Connection: 'close' };
    const head = Object.entries(headers)
      .filter(([name, value]) => !/[\r\n]/.test(name + value))
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${head}\r\n${answer.body}`, () => socket.destroy());
  }
}
