import { runSimulation } from '@cloud-copilot/iam-simulate';
import { lambdaChecks } from '../../../local/aws/iam/request-mapping';

const scope = { region: 'us-east-1', account: '000000000000' };
const fn = 'arn:aws:lambda:us-east-1:000000000000:function:Stockade-dev-Workflow-Reserve';

/** Whether a role with one statement granting lambda:InvokeFunction on `granted` may invoke what `path` names. */
async function mayInvoke(granted: string, path: string): Promise<boolean> {
  const [check] = lambdaChecks({ path, body: {} }, scope);
  if (!check) throw new Error(`no check for ${path}`);
  const response = await runSimulation(
    {
      request: {
        principal: 'arn:aws:sts::000000000000:assumed-role/SagaRole/saga',
        action: check.action,
        resource: { resource: check.resource, accountId: scope.account },
        contextVariables: {},
      },
      identityPolicies: [
        { name: 'grant', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: granted }] } },
      ],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(response.errors.message);
  return response.overallResult === 'Allowed';
}

/**
 * IAM offline authorizes lambda:InvokeFunction on the ARN the caller names, qualified by an alias or version when it
 * names one, as AWS does: a grant on the unqualified function does not reach its alias (the CDK's grantInvoke on an
 * Alias names the alias ARN; on a Function, the function and `<arn>:*`).
 */
describe('lambda:InvokeFunction on an alias, offline', () => {
  const path = (name: string) => `/2015-03-31/functions/${encodeURIComponent(name)}/invocations`;

  it('checks the qualified ARN the invocation names', () => {
    expect(lambdaChecks({ path: path(`${fn}:live`), body: {} }, scope)).toEqual([{ action: 'lambda:InvokeFunction', resource: `${fn}:live`, context: {} }]);
    expect(lambdaChecks({ path: path('Stockade-dev-Workflow-Reserve:live'), body: {} }, scope)[0]?.resource).toBe(`${fn}:live`);
  });

  it('refuses an alias invocation to a grant on the unqualified function, and allows it to the alias or <arn>:*', async () => {
    expect(await mayInvoke(fn, path(`${fn}:live`))).toBe(false);
    expect(await mayInvoke(`${fn}:live`, path(`${fn}:live`))).toBe(true);
    expect(await mayInvoke(`${fn}:*`, path(`${fn}:live`))).toBe(true);
    // The alias grant reaches neither the function itself nor another alias.
    expect(await mayInvoke(`${fn}:live`, path(fn))).toBe(false);
    expect(await mayInvoke(`${fn}:live`, path(`${fn}:canary`))).toBe(false);
  });
});
