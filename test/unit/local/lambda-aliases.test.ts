import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LambdaInvokeServer } from '../../../local/aws/lambda/invoke-server';
import { FunctionNotFoundError, LambdaService } from '../../../local/aws/lambda/lambda-service';
import { CloudAssembly } from '../../../local/runtime/assembly';
import { IntrinsicResolver } from '../../../local/runtime/intrinsics';

/**
 * A function published as version 1 behind the alias `live`, as FunctionRelease publishes every API and workflow
 * function: the local Lambda service invokes the alias as Lambda does, and refuses a qualifier the function lacks.
 */
describe('Lambda aliases, played locally', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stockade-aliases-'));
  const stackName = 'Stockade-dev-Jobs';
  mkdirSync(path.join(dir, 'asset.echo'));
  writeFileSync(
    path.join(dir, 'asset.echo', 'index.mjs'),
    'export const handler = async (event) => ({ echoed: event, version: process.env.AWS_LAMBDA_FUNCTION_VERSION });\n',
  );
  writeFileSync(
    path.join(dir, 'manifest.json'),
    JSON.stringify({ artifacts: { [stackName]: { type: 'aws:cloudformation:stack', properties: { templateFile: 'jobs.json', stackName } } } }),
  );
  writeFileSync(
    path.join(dir, 'jobs.json'),
    JSON.stringify({
      Resources: {
        Echo1: { Type: 'AWS::Lambda::Function', Properties: { Handler: 'index.handler', Timeout: 5 }, Metadata: { 'aws:asset:path': 'asset.echo' } },
        EchoCurrentVersion2: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Echo1' } } },
        EchoLive3: {
          Type: 'AWS::Lambda::Alias',
          Properties: { FunctionName: { Ref: 'Echo1' }, FunctionVersion: { 'Fn::GetAtt': ['EchoCurrentVersion2', 'Version'] }, Name: 'live' },
        },
      },
    }),
  );
  const assembly = CloudAssembly.load(dir, 'dev');
  const lambdas = new LambdaService({ assembly, logDirectory: path.join(dir, 'logs'), sdkEnvironment: () => ({}) });
  const resolver = new IntrinsicResolver(assembly, (r) => ((lambdas.resourceTypes as readonly string[]).includes(r.type) ? lambdas.physical(r) : undefined));
  const server = new LambdaInvokeServer(lambdas);
  const arn = `arn:aws:lambda:us-east-1:000000000000:function:${stackName}-Echo1`;

  beforeAll(async () => {
    await lambdas.start();
    await lambdas.provision(
      (lambdas.resourceTypes as readonly string[]).flatMap((t) => assembly.resourcesOfType(t)),
      resolver,
    );
    await server.start();
  });
  afterAll(async () => {
    await server.stop();
    await lambdas.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const invoke = (functionName: string, query = '') =>
    fetch(`${server.endpoint}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations${query}`, {
      method: 'POST',
      body: JSON.stringify({ hello: 'alias' }),
      signal: AbortSignal.timeout(20_000),
    });

  it('resolves a Ref to the alias or the version to their ARNs, as CloudFormation does', () => {
    expect(resolver.resolve({ Ref: 'EchoLive3' }, stackName)).toBe(`${arn}:live`);
    expect(resolver.resolve({ 'Fn::GetAtt': ['EchoLive3', 'AliasArn'] }, stackName)).toBe(`${arn}:live`);
    expect(resolver.resolve({ Ref: 'EchoCurrentVersion2' }, stackName)).toBe(`${arn}:1`);
    expect(resolver.resolve({ 'Fn::GetAtt': ['EchoCurrentVersion2', 'Version'] }, stackName)).toBe('1');
  });

  it('invokes the function through its alias ARN, its partial ARN, the Qualifier parameter and its version', async () => {
    for (const [name, query] of [
      [`${arn}:live`, ''],
      [`${stackName}-Echo1:live`, ''],
      [arn, '?Qualifier=live'],
    ] as const) {
      const response = await invoke(name, query);
      expect({ name, status: response.status, version: response.headers.get('x-amz-executed-version') }).toEqual({ name, status: 200, version: '1' });
      expect(await response.json()).toMatchObject({ echoed: { hello: 'alias' } });
    }
    const version = await invoke(`${arn}:1`);
    expect(version.status).toBe(200);
    expect(lambdas.resolve(arn)).toMatchObject({ version: '$LATEST' });
  });

  it('refuses an alias or a version the function does not have with 404 ResourceNotFoundException, as Lambda does', async () => {
    for (const name of [`${arn}:canary`, `${arn}:2`, `${arn}-gone:live`]) {
      const response = await invoke(name);
      expect({ name, status: response.status, type: response.headers.get('x-amzn-errortype') }).toEqual({
        name,
        status: 404,
        type: 'ResourceNotFoundException',
      });
      expect(await response.json()).toMatchObject({ message: `Function not found: ${name.startsWith('arn:') ? name : `${arn}:${name}`}` });
    }
    expect(() => lambdas.byName(`${arn}:canary`)).toThrow(FunctionNotFoundError);
    expect(() => lambdas.byName(`${arn}:canary`)).toThrow(`Function not found: ${arn}:canary`);
  });
});
