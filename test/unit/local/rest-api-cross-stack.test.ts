import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { lambdaTargetInUri, readRestApis } from '../../../local/aws/apigw/rest-api-model';
import { CloudAssembly } from '../../../local/runtime/assembly';
import { IntrinsicResolver } from '../../../local/runtime/intrinsics';

const API = 'Stockade-dev-Api';
const FUNCTIONS = 'Stockade-dev-ApiFunctions';

/** An integration URI around an ARN, as CDK builds it for a Lambda proxy integration. */
const uriOf = (arn: unknown) => ({ 'Fn::Join': ['', ['arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/', arn, '/invocations']] });
const stackOutput = (outputName: string) => ({ 'Fn::GetStackOutput': { StackName: FUNCTIONS, Region: { Ref: 'AWS::Region' }, OutputName: outputName } });

/**
 * The Api stack invokes the ApiFunctions stack's live aliases (lib/stacks/api-stack.ts): its integration and authorizer
 * URIs reach the alias ARN through a cross-stack reference, which the local gateway follows to the function and alias.
 */
describe('an API whose functions are another stack’s aliases', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stockade-apigw-cross-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const stack = (name: string, file: string) => ({ type: 'aws:cloudformation:stack', properties: { templateFile: file, stackName: name } });
  writeFileSync(
    path.join(dir, 'manifest.json'),
    JSON.stringify({ artifacts: { [API]: stack(API, 'api.json'), [FUNCTIONS]: stack(FUNCTIONS, 'functions.json') } }),
  );
  const alias = (fn: string) => ({ Type: 'AWS::Lambda::Alias', Properties: { FunctionName: { Ref: fn }, FunctionVersion: '1', Name: 'live' } });
  writeFileSync(
    path.join(dir, 'functions.json'),
    JSON.stringify({
      Resources: {
        HealthFn: { Type: 'AWS::Lambda::Function', Properties: {} },
        HealthLive: alias('HealthFn'),
        OrdersFn: { Type: 'AWS::Lambda::Function', Properties: {} },
        OrdersLive: alias('OrdersFn'),
        AuthFn: { Type: 'AWS::Lambda::Function', Properties: {} },
        AuthLive: alias('AuthFn'),
      },
      Outputs: {
        HealthAliasArn: { Value: { Ref: 'HealthLive' } },
        OrdersAliasArn: { Value: { Ref: 'OrdersLive' }, Export: { Name: 'Stockade-dev-ApiFunctions:OrdersAliasArn' } },
        AuthAliasArn: { Value: { Ref: 'AuthLive' } },
      },
    }),
  );
  const method = (resourceId: string, uri: unknown, extra: Record<string, unknown> = {}) => ({
    Type: 'AWS::ApiGateway::Method',
    Properties: {
      RestApiId: { Ref: 'Api' },
      ResourceId: { Ref: resourceId },
      HttpMethod: 'GET',
      AuthorizationType: 'NONE',
      Integration: { Type: 'AWS_PROXY', Uri: uri },
      ...extra,
    },
  });
  const resource = (pathPart: string) => ({
    Type: 'AWS::ApiGateway::Resource',
    Properties: { RestApiId: { Ref: 'Api' }, ParentId: { 'Fn::GetAtt': ['Api', 'RootResourceId'] }, PathPart: pathPart },
  });
  writeFileSync(
    path.join(dir, 'api.json'),
    JSON.stringify({
      Resources: {
        Api: { Type: 'AWS::ApiGateway::RestApi', Properties: {} },
        Stage: { Type: 'AWS::ApiGateway::Stage', Properties: { RestApiId: { Ref: 'Api' }, StageName: 'v1' } },
        Health: resource('health'),
        Orders: resource('orders'),
        GetHealth: method('Health', uriOf(stackOutput('HealthAliasArn'))),
        GetOrders: method('Orders', uriOf({ 'Fn::ImportValue': 'Stockade-dev-ApiFunctions:OrdersAliasArn' }), {
          AuthorizationType: 'CUSTOM',
          AuthorizerId: { Ref: 'Authorizer' },
        }),
        Authorizer: {
          Type: 'AWS::ApiGateway::Authorizer',
          // CDK splits the alias ARN for the partition and region of the authorizer URI.
          Properties: {
            RestApiId: { Ref: 'Api' },
            Type: 'REQUEST',
            AuthorizerUri: {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { 'Fn::Select': [1, { 'Fn::Split': [':', stackOutput('AuthAliasArn')] }] },
                  ':apigateway:us-east-1:lambda:path/2015-03-31/functions/',
                  stackOutput('AuthAliasArn'),
                  '/invocations',
                ],
              ],
            },
          },
        },
      },
    }),
  );
  const assembly = CloudAssembly.load(dir, 'dev');

  it('follows Fn::GetStackOutput and Fn::ImportValue to the alias and its function', () => {
    const [model] = readRestApis(assembly, new IntrinsicResolver(assembly, () => undefined));
    const routes = Object.fromEntries((model?.routes ?? []).map((r) => [r.resourcePath, r.integration]));
    expect(routes['/health']).toMatchObject({ kind: 'lambda-proxy', functionLogicalId: 'HealthFn', qualifier: 'live' });
    expect(routes['/orders']).toMatchObject({ kind: 'lambda-proxy', functionLogicalId: 'OrdersFn', qualifier: 'live' });
  });

  it("finds the authorizer's alias through the ARN CDK splits", () => {
    const authorizer = assembly.resource(API, 'Authorizer');
    expect(lambdaTargetInUri(assembly, API, authorizer.properties.AuthorizerUri)).toEqual({ functionLogicalId: 'AuthFn', qualifier: 'live' });
  });

  it('finds nothing for an output or export the assembly does not have', () => {
    expect(lambdaTargetInUri(assembly, API, uriOf(stackOutput('NoSuchOutput')))).toBeUndefined();
    expect(lambdaTargetInUri(assembly, API, uriOf({ 'Fn::ImportValue': 'Stockade-dev-ApiFunctions:Nothing' }))).toBeUndefined();
  });
});
