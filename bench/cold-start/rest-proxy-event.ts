import type { APIGatewayProxyEvent } from 'aws-lambda';
import { LOCAL_ACCOUNT } from '../../local/runtime/intrinsics';

/** A minimal API Gateway REST proxy event, as the stage would send it for `method path`. */
export function restProxyEvent(method: string, resourcePath: string, stage: string): APIGatewayProxyEvent {
  return {
    resource: resourcePath,
    path: resourcePath,
    httpMethod: method,
    headers: { Accept: 'application/json', Host: 'api.bench.invalid', 'User-Agent': 'stockade-cold-start-bench' },
    multiValueHeaders: { Accept: ['application/json'], Host: ['api.bench.invalid'], 'User-Agent': ['stockade-cold-start-bench'] },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      apiId: 'bench',
      authorizer: undefined,
      httpMethod: method,
      identity: { sourceIp: '127.0.0.1', userAgent: 'stockade-cold-start-bench' },
      path: `/${stage}${resourcePath}`,
      protocol: 'HTTP/1.1',
      requestId: '00000000-0000-4000-8000-00000000a001',
      requestTimeEpoch: Date.now(),
      resourceId: 'bench',
      resourcePath,
      stage,
    } as APIGatewayProxyEvent['requestContext'],
  };
}
