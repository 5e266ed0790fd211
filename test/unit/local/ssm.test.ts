import { GetParameterCommand, GetParametersByPathCommand, GetParametersCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { localCredentials } from '../../../local/aws/credentials';
import { ssmChecks } from '../../../local/aws/iam/request-mapping';
import { ssmParameterArn, SsmService } from '../../../local/aws/ssm/ssm';
import type { TemplateResource } from '../../../local/runtime/assembly';
import type { IntrinsicResolver } from '../../../local/runtime/intrinsics';

/** Issue 17, item 4: the local SSM Parameter Store the mitigation switches live in, and how IAM authorizes its requests. */

const scope = { region: 'eu-west-1', account: '000000000000' };

describe('local SSM', () => {
  let ssm: SsmService;
  let client: SSMClient;

  beforeAll(async () => {
    ssm = new SsmService();
    await ssm.start();
    client = new SSMClient({ endpoint: ssm.endpoint, region: 'eu-west-1', credentials: localCredentials, maxAttempts: 1 });
    const parameter = (logicalId: string, name: string, value: string): TemplateResource =>
      ({
        logicalId,
        stackName: 'Stockade-dev-Secrets',
        type: 'AWS::SSM::Parameter',
        properties: { Name: name, Type: 'String', Value: value },
        metadata: {},
      }) as unknown as TemplateResource;
    const resolver = { resolve: (value: unknown) => value } as unknown as IntrinsicResolver;
    await ssm.provision(
      [parameter('A', '/stockade/dev/switches/checkout-paused', 'off'), parameter('B', '/stockade/dev/switches/inventory-webhooks-refused', '[]')],
      resolver,
    );
  });
  afterAll(async () => {
    client.destroy();
    await ssm.stop();
  });

  it("serves the template's parameters and versions every overwrite", async () => {
    const name = '/stockade/dev/switches/checkout-paused';
    expect((await client.send(new GetParameterCommand({ Name: name }))).Parameter).toMatchObject({ Name: name, Value: 'off', Version: 1, Type: 'String' });
    await expect(client.send(new PutParameterCommand({ Name: name, Value: 'on' }))).rejects.toMatchObject({ name: 'ParameterAlreadyExists' });
    expect(await client.send(new PutParameterCommand({ Name: name, Value: 'on', Overwrite: true }))).toMatchObject({ Version: 2 });
    const read = (await client.send(new GetParameterCommand({ Name: name }))).Parameter;
    expect(read).toMatchObject({ Value: 'on', Version: 2, ARN: ssmParameterArn(name) });
    expect(read?.LastModifiedDate).toBeInstanceOf(Date);
  });

  it('answers GetParameters, GetParametersByPath and an unknown name as SSM does', async () => {
    const both = await client.send(new GetParametersCommand({ Names: ['/stockade/dev/switches/inventory-webhooks-refused', '/nope'] }));
    expect(both.Parameters?.map((p) => p.Value)).toEqual(['[]']);
    expect(both.InvalidParameters).toEqual(['/nope']);
    const byPath = await client.send(new GetParametersByPathCommand({ Path: '/stockade/dev/switches' }));
    expect(byPath.Parameters?.map((p) => p.Name)).toEqual(['/stockade/dev/switches/checkout-paused', '/stockade/dev/switches/inventory-webhooks-refused']);
    expect((await client.send(new GetParametersByPathCommand({ Path: '/stockade' }))).Parameters).toEqual([]);
    await expect(client.send(new GetParameterCommand({ Name: '/nope' }))).rejects.toMatchObject({ name: 'ParameterNotFound' });
  });

  it('is authorized as ssm:<operation> on each parameter named, by name or ARN', () => {
    const arn = 'arn:aws:ssm:eu-west-1:000000000000:parameter/stockade/dev/switches/checkout-paused';
    expect(ssmChecks({ target: 'AmazonSSM.GetParameter', body: { Name: '/stockade/dev/switches/checkout-paused' } }, scope)).toEqual([
      { action: 'ssm:GetParameter', resource: arn, context: {} },
    ]);
    expect(ssmChecks({ target: 'AmazonSSM.PutParameter', body: { Name: arn, Value: 'on', Overwrite: true } }, scope)).toEqual([
      { action: 'ssm:PutParameter', resource: arn, context: {} },
    ]);
    expect(ssmChecks({ target: 'AmazonSSM.GetParameters', body: { Names: ['/a/b', 'c'] } }, scope).map((c) => c.resource)).toEqual([
      'arn:aws:ssm:eu-west-1:000000000000:parameter/a/b',
      'arn:aws:ssm:eu-west-1:000000000000:parameter/c',
    ]);
    expect(ssmChecks({ target: 'AmazonSSM.GetParametersByPath', body: { Path: '/stockade/dev/' } }, scope)).toEqual([
      { action: 'ssm:GetParametersByPath', resource: 'arn:aws:ssm:eu-west-1:000000000000:parameter/stockade/dev', context: {} },
    ]);
  });
});
