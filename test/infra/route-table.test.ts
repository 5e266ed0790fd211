import { MockIntegration } from 'aws-cdk-lib/aws-apigateway';
import { ROUTE_POLICIES } from '../../shared/domain/access/route-policies';
import { buildStage, synthStage } from './synth-stage';

/**
 * One route list (issue 14, item 4): the access table (shared/domain/access/route-policies.ts) and the API stack's
 * methods are the same list, checked by the API stack when the app synthesizes. Each direction of a mismatch fails
 * synthesis: a method served without a policy, and a policy whose route the stack does not serve.
 */
describe('the access table and the API stack', () => {
  it('list the same routes', () => {
    const { stacks } = synthStage('dev');
    expect(stacks.api.servedRoutes().sort()).toEqual(Object.keys(ROUTE_POLICIES).sort());
  });

  it('a method added around addRoute, with no policy, fails synthesis', () => {
    expect(() =>
      buildStage('dev', {
        extend: ({ api }) => void api.api.root.addResource('debug').addMethod('GET', new MockIntegration()),
      }),
    ).toThrow(/GET \/debug is served but has no entry in the access table/);
  });

  it('a policy whose route the stack does not serve fails synthesis', () => {
    expect(() =>
      buildStage('dev', {
        extend: ({ api }) => void api.api.root.getResource('health')?.node.tryRemoveChild('GET'),
      }),
    ).toThrow(/GET \/health has an entry in the access table but the API serves no such route/);
  });
});
