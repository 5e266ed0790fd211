import { fillTemplate, renderFrontDoorResponse, renderGatewayResponse } from '../../../local/aws/apigw/gateway-response';
import type { GatewayResponseTemplate } from '../../../local/aws/apigw/rest-api-model';

/** A problem+json gateway response in the shape lib/stacks/api-stack.ts gives every type. */
function problemResponse(status: number, slug: string): GatewayResponseTemplate {
  return {
    statusCode: status,
    headers: { 'Content-Type': 'application/problem+json', 'X-Content-Type-Options': 'nosniff' },
    template: `{"type":"https://stockade.dev/problems/${slug}","title":"T","status":${status},"detail":$context.error.messageString,"instance":"$context.path","correlationId":"$context.requestId"}`,
  };
}

describe('gateway responses as the local API Gateway renders them', () => {
  const context = { requestId: 'req-1', path: '/products/%ff', httpMethod: 'GET', stage: 'v1' };

  describe('fillTemplate', () => {
    const variables = new Map([
      ['path', '/p'],
      ['error.message', 'Oops'],
      ['error.messageString', '"Oops"'],
    ]);

    it('substitutes the longest variable a dotted name starts with, and empties unknown ones', () => {
      expect(fillTemplate('$context.error.messageString|$context.error.message|$context.path.|$context.path.json', variables)).toBe('"Oops"|Oops|/p.|/p.json');
      expect(fillTemplate('[$context.nope][$context.identity.caller]', variables)).toBe('[][]');
    });

    it('leaves text that names no $context variable as it is', () => {
      expect(fillTemplate('{"a":"$stageVariables.x","b":"$1"}', variables)).toBe('{"a":"$stageVariables.x","b":"$1"}');
    });
  });

  describe('renderGatewayResponse', () => {
    const responses = new Map([
      ['MISSING_AUTHENTICATION_TOKEN', problemResponse(404, 'not-found')],
      ['DEFAULT_4XX', problemResponse(400, 'client-error')],
      ['DEFAULT_5XX', problemResponse(500, 'internal')],
    ]);

    it("fills the type's own response: status, headers, a JSON body whose status is the HTTP status", () => {
      const answer = renderGatewayResponse(responses, 'MISSING_AUTHENTICATION_TOKEN', context);
      expect(answer.status).toBe(404);
      expect(answer.headers['Content-Type']).toBe('application/problem+json');
      expect(JSON.parse(answer.body)).toEqual({
        type: 'https://stockade.dev/problems/not-found',
        title: 'T',
        status: 404,
        detail: 'Missing Authentication Token',
        instance: '/products/%ff',
        correlationId: 'req-1',
      });
    });

    it('escapes the message as messageString does, so quotes, backslashes and newlines keep the body JSON', () => {
      const message = 'Missing required request parameters: ["a\\b"]\n';
      const answer = renderGatewayResponse(responses, 'BAD_REQUEST_PARAMETERS', context, message);
      expect(JSON.parse(answer.body)).toMatchObject({ status: 400, detail: message });
    });

    it('falls back to DEFAULT_4XX / DEFAULT_5XX, whose configured status replaces the built-in one', () => {
      expect(renderGatewayResponse(responses, 'UNAUTHORIZED', context).status).toBe(400);
      const failure = renderGatewayResponse(responses, 'INTEGRATION_FAILURE', context);
      expect(failure.status).toBe(500);
      expect(JSON.parse(failure.body)).toMatchObject({ status: 500, detail: 'Internal server error' });
    });

    it('answers API Gateway\'s built-in {"message"} when the API configures nothing', () => {
      const answer = renderGatewayResponse(new Map(), 'INTEGRATION_FAILURE', context);
      expect(answer).toEqual({ status: 502, headers: { 'Content-Type': 'application/json' }, body: '{"message":"Internal server error"}' });
      expect(renderGatewayResponse(new Map(), 'MISSING_AUTHENTICATION_TOKEN', context).status).toBe(403);
    });
  });

  describe('renderFrontDoorResponse', () => {
    const responses = new Map([['DEFAULT_4XX', problemResponse(400, 'client-error')]]);

    it("answers in the API's DEFAULT_4XX shape with the front door's own status in the body", () => {
      const answer = renderFrontDoorResponse(responses, 431, context);
      expect(answer.status).toBe(431);
      expect(answer.headers['Content-Type']).toBe('application/problem+json');
      expect(JSON.parse(answer.body)).toMatchObject({
        type: 'https://stockade.dev/problems/client-error',
        status: 431,
        detail: 'Request Header Fields Too Large',
        instance: '/products/%ff',
      });
    });

    it('keeps a 400 as the template states it', () => {
      expect(JSON.parse(renderFrontDoorResponse(responses, 400, context).body)).toMatchObject({ status: 400, detail: 'Bad Request' });
    });
  });
});
