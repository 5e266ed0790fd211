import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { lambdaAuthorizer } from '../../../local/aws/apigw/lambda-authorizer';
import { readRestApis } from '../../../local/aws/apigw/rest-api-model';
import { RestApiServer } from '../../../local/aws/apigw/rest-api-server';
import { CloudAssembly } from '../../../local/runtime/assembly';
import { IntrinsicResolver } from '../../../local/runtime/intrinsics';
import type { LambdaService } from '../../../local/aws/lambda/lambda-service';
import { type RawResponse, rawHttp, rawRequest } from '../../support/raw-http';

const STACK = 'Stockade-dev-Api';

/** A gateway response in the shape lib/stacks/api-stack.ts gives every type. */
function problemResponse(type: string, status: number) {
  return {
    Type: 'AWS::ApiGateway::GatewayResponse',
    Properties: {
      RestApiId: { Ref: 'Api' },
      ResponseType: type,
      StatusCode: String(status),
      ResponseParameters: { 'gatewayresponse.header.Content-Type': "'application/problem+json'" },
      ResponseTemplates: {
        'application/json': `{"type":"https://stockade.dev/problems/x","title":"T","status":${status},"detail":$context.error.messageString,"instance":"$context.path","correlationId":"$context.requestId"}`,
      },
    },
  };
}

const lambdaUri = (fn: string) => ({
  'Fn::Join': ['', ['arn:aws:apigateway:us-east-1:lambda:path/functions/', { 'Fn::GetAtt': [fn, 'Arn'] }, '/invocations']],
});

function method(resource: string, httpMethod: string, fn: string, extra: Record<string, unknown> = {}) {
  return {
    Type: 'AWS::ApiGateway::Method',
    Properties: {
      RestApiId: { Ref: 'Api' },
      ResourceId: { Ref: resource },
      HttpMethod: httpMethod,
      AuthorizationType: 'NONE',
      Integration: { Type: 'AWS_PROXY', Uri: lambdaUri(fn) },
      ...extra,
    },
  };
}

const resource = (parent: unknown, pathPart: string) => ({
  Type: 'AWS::ApiGateway::Resource',
  Properties: { RestApiId: { Ref: 'Api' }, ParentId: parent, PathPart: pathPart },
});

/** A GET with the given headers (names as written, in order) over a fresh connection. */
const get = (port: number, target: string, headers: Array<[string, string]> = []) => rawHttp(port, 'GET', target, headers);

/** The answer is a problem+json the gateway produced itself, with status = HTTP status and no internals. */
function expectGatewayProblem(response: RawResponse, status: number, instance: string): Record<string, unknown> {
  expect({ status: response.status, contentType: response.headers['content-type'] }).toEqual({ status, contentType: 'application/problem+json' });
  const problem = JSON.parse(response.text) as Record<string, unknown>;
  expect(problem).toMatchObject({ status, instance });
  expect(response.text).not.toMatch(/secret|boom|\.ts:\d|node_modules|\bat \w/);
  return problem;
}

describe('the local API Gateway server', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stockade-apigw-'));
  writeFileSync(
    path.join(dir, 'manifest.json'),
    JSON.stringify({ artifacts: { [STACK]: { type: 'aws:cloudformation:stack', properties: { templateFile: 'api.json', stackName: STACK } } } }),
  );
  writeFileSync(
    path.join(dir, 'api.json'),
    JSON.stringify({
      Resources: {
        Api: { Type: 'AWS::ApiGateway::RestApi', Properties: {} },
        Stage: { Type: 'AWS::ApiGateway::Stage', Properties: { RestApiId: { Ref: 'Api' }, StageName: 'v1' } },
        Validator: { Type: 'AWS::ApiGateway::RequestValidator', Properties: { RestApiId: { Ref: 'Api' }, ValidateRequestParameters: true } },
        Items: resource({ 'Fn::GetAtt': ['Api', 'RootResourceId'] }, 'items'),
        Item: resource({ Ref: 'Items' }, '{itemId}'),
        Me: resource({ 'Fn::GetAtt': ['Api', 'RootResourceId'] }, 'me'),
        Crash: resource({ 'Fn::GetAtt': ['Api', 'RootResourceId'] }, 'crash'),
        GetItems: method('Items', 'GET', 'EchoFn'),
        GetItem: method('Item', 'GET', 'EchoFn'),
        PostItems: method('Items', 'POST', 'EchoFn', {
          RequestValidatorId: { Ref: 'Validator' },
          RequestParameters: { 'method.request.header.Idempotency-Key': true },
        }),
        GetMe: method('Me', 'GET', 'EchoFn', { AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: 'Authorizer' } }),
        GetCrash: method('Crash', 'GET', 'CrashFn'),
        Authorizer: {
          Type: 'AWS::ApiGateway::Authorizer',
          Properties: { RestApiId: { Ref: 'Api' }, Type: 'REQUEST', AuthorizerUri: lambdaUri('AuthFn'), IdentitySource: 'method.request.header.Authorization' },
        },
        EchoFn: { Type: 'AWS::Lambda::Function', Properties: {} },
        AuthFn: { Type: 'AWS::Lambda::Function', Properties: {} },
        CrashFn: { Type: 'AWS::Lambda::Function', Properties: {} },
        NotFound: problemResponse('MISSING_AUTHENTICATION_TOKEN', 404),
        Unauthorized: problemResponse('UNAUTHORIZED', 401),
        BadParameters: problemResponse('BAD_REQUEST_PARAMETERS', 400),
        Default4xx: problemResponse('DEFAULT_4XX', 400),
        Default5xx: problemResponse('DEFAULT_5XX', 500),
      },
    }),
  );
  const assembly = CloudAssembly.load(dir, 'dev');
  const [model] = readRestApis(assembly, new IntrinsicResolver(assembly, () => undefined));

  const authorizerCalls: Array<Record<string, string>> = [];
  const functions: Record<string, (event: APIGatewayProxyEvent) => Promise<unknown>> = {
    EchoFn: async (event) => ({
      statusCode: 200,
      body: JSON.stringify({ path: event.path, headers: event.headers, query: event.multiValueQueryStringParameters, pathParameters: event.pathParameters }),
    }),
    AuthFn: async (event) => {
      authorizerCalls.push(event.headers as Record<string, string>);
      return {
        principalId: 'user-1',
        policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: '*' }] },
        context: { sub: 'user-1' },
      };
    },
    CrashFn: () => Promise.reject(new Error('boom at /work/secret.ts:12')),
  };
  const lambdas = {
    get: (logicalId: string) => ({
      invoke: async (event: APIGatewayProxyEvent) => ({
        ok: true,
        value: await (functions[logicalId] as (e: APIGatewayProxyEvent) => Promise<unknown>)(event),
      }),
    }),
  } as unknown as LambdaService;

  let server: RestApiServer;
  let port = 0;
  beforeAll(async () => {
    if (!model) throw new Error('no REST API read from the template');
    server = new RestApiServer({ model, lambdas, authorizer: lambdaAuthorizer(assembly, model, lambdas) });
    await server.start();
    port = Number(new URL(server.url).port);
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes query keys named like Object.prototype members to the function as ordinary keys', async () => {
    const response = await get(port, '/items?__proto__=x&constructor=y&toString=1&toString=2&hasOwnProperty=z');
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text).query).toEqual(JSON.parse('{"__proto__":["x"],"constructor":["y"],"toString":["1","2"],"hasOwnProperty":["z"]}'));
  });

  it('passes headers named like Object.prototype members, with their names as sent', async () => {
    const response = await get(port, '/items', [
      ['constructor', 'a'],
      ['__proto__', 'b'],
      ['toString', 'c'],
    ]);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text).headers).toMatchObject(JSON.parse('{"constructor":"a","__proto__":"b","toString":"c"}'));
  });

  it.each(['%ff', '%E0%A4%A', '%C0%AF', '%zz'])('refuses a path with malformed percent-encoding (%s) with a 400 problem, not a crash', async (segment) => {
    const response = await get(port, `/items/${segment}?secret=1`);
    expectGatewayProblem(response, 400, `/items/${segment}`);
    expect(response.headers['x-amzn-errortype']).toBe('DEFAULT_4XX');
  });

  it('decodes well-formed escapes into path parameters and passes the path still encoded', async () => {
    const body = JSON.parse((await get(port, '/items/caf%C3%A9%20x')).text);
    expect(body).toMatchObject({ path: '/items/caf%C3%A9%20x', pathParameters: { itemId: 'café x' } });
  });

  it('keeps the problem JSON when the path holds quotes and backslashes', async () => {
    const response = await get(port, '/no/"},"status":200,"x":"\\?q=secret');
    const problem = expectGatewayProblem(response, 404, '/no/%22%7D,%22status%22:200,%22x%22:%22/');
    expect(problem.correlationId).toBe(response.headers['x-amzn-requestid']);
  });

  it('checks a required header whatever the case of its name, and refuses it blank', async () => {
    const post = (headers: Array<[string, string]>) => rawHttp(port, 'POST', '/items', headers);
    expect((await post([['IDEMPOTENCY-KEY', 'k1']])).status).toBe(200);
    expect((await post([['idempotency-key', 'k1']])).status).toBe(200);
    const missing = await post([]);
    expect(JSON.parse(missing.text)).toMatchObject({ status: 400, detail: 'Missing required request parameters: [Idempotency-Key]' });
    expect((await post([['Idempotency-Key', ' ']])).status).toBe(400);
  });

  it('finds the identity source whatever the case of its name and passes the header to the authorizer as sent', async () => {
    authorizerCalls.length = 0;
    const response = await get(port, '/me', [['AUTHORIZATION', 'Bearer t']]);
    expect(response.status).toBe(200);
    expect(authorizerCalls).toHaveLength(1);
    expect(authorizerCalls[0]).toMatchObject({ AUTHORIZATION: 'Bearer t' });
    expectGatewayProblem(await get(port, '/me'), 401, '/me');
    expect(authorizerCalls).toHaveLength(1);
  });

  it("answers header values beyond API Gateway's 10,240 bytes with a 431 problem", async () => {
    expect((await get(port, '/items', [['X-Filler', 'a'.repeat(9_000)]])).status).toBe(200);
    expectGatewayProblem(await get(port, '/items?secret=1', [['X-Filler', 'a'.repeat(20 * 1024)]]), 431, '/items');
    expectGatewayProblem(
      await get(
        port,
        '/items',
        Array.from({ length: 6 }, (_, i): [string, string] => [`X-Part-${i}`, 'b'.repeat(2_000)]),
      ),
      431,
      '/items',
    );
  });

  it('answers a header section too large for the HTTP parser with a 431 problem instead of an empty reply', async () => {
    expectGatewayProblem(await get(port, '/items?secret=1', [['X-Filler', 'a'.repeat(100 * 1024)]]), 431, '/');
  });

  it.each([
    ['a request line with a space in the target', 'GET /items/a b HTTP/1.1\r\nHost: x\r\n\r\n', '/'],
    ['an unknown HTTP version', 'GET /items?secret=1 HTTP/9.9\r\nHost: x\r\n\r\n', '/items'],
    ['a header name with a space', 'GET /items?secret=1 HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n', '/items'],
    ['no request line at all', 'GARBAGE\r\n\r\n', '/'],
  ])('answers %s with a 400 problem', async (_name, bytes, instance) => {
    expectGatewayProblem(await rawRequest(port, bytes), 400, instance);
  });

  it('answers a failure inside the emulator with a 500 problem: no internals, no query string', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const response = await get(port, '/crash?token=secret');
      expectGatewayProblem(response, 500, '/crash');
      expect(stderr).toHaveBeenCalledWith(expect.stringContaining('boom'));
    } finally {
      stderr.mockRestore();
    }
  });
});
