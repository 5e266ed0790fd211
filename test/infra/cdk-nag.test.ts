import { Validations } from 'aws-cdk-lib';
import { CfnTable } from 'aws-cdk-lib/aws-dynamodb';
import { CfnLogGroup } from 'aws-cdk-lib/aws-logs';
import { CfnQueue } from 'aws-cdk-lib/aws-sqs';
import { buildStage, formatFinding, STAGES, type SynthesizedStage, synthStage, type ValidationFinding } from './synth-stage';

describe.each(STAGES)('cdk-nag (%s)', (stage) => {
  test('every finding, error or warning, of every pack is fixed or acknowledged', () => {
    expect(synthStage(stage).findings.map(formatFinding)).toEqual([]);
  });
});

describe('the cdk-nag check itself', () => {
  let synthesized: SynthesizedStage | undefined;
  /** dev plus deliberately non-compliant L1 resources, one of them with an acknowledgement. */
  const synth = () =>
    (synthesized ??= buildStage('dev', {
      extend: ({ messaging, data }) => {
        new CfnQueue(messaging, 'BareQueue');
        const acknowledged = new CfnQueue(messaging, 'AcknowledgedQueue');
        Validations.of(acknowledged).acknowledge({ id: 'Serverless::Serverless-SQSRedrivePolicy', reason: 'test: proves acknowledgements are honoured' });
        new CfnTable(data, 'TableWithoutPitr', {
          keySchema: [{ attributeName: 'pk', keyType: 'HASH' }],
          attributeDefinitions: [{ attributeName: 'pk', attributeType: 'S' }],
          billingMode: 'PAY_PER_REQUEST',
        });
        new CfnLogGroup(data, 'BareLogGroup');
      },
    }));
  const at = (id: string) =>
    synth()
      .findings.filter((f) => f.constructPath.split('/')[1] === id)
      .map((f: ValidationFinding) => `${f.severity} ${f.rule}`);

  test('reports findings of all three packs for a bare queue and a bare log group', () => {
    expect(at('BareQueue')).toEqual(expect.arrayContaining(['error AwsSolutions-SQS3', 'error AwsSolutions-SQS4', 'error Serverless-SQSRedrivePolicy']));
    expect(at('BareLogGroup')).toEqual(
      expect.arrayContaining(['error PCI.DSS.321-CloudWatchLogGroupEncrypted', 'error PCI.DSS.321-CloudWatchLogGroupRetentionPeriod']),
    );
  });

  test('reports warnings as well as errors', () => {
    expect(at('TableWithoutPitr')).toContain('warning AwsSolutions-DDB3');
    expect(at('BareLogGroup')).toContain('warning Serverless-CloudWatchLogGroupRetentionPeriod');
  });

  test('drops exactly the acknowledged finding and keeps the others on the same resource', () => {
    expect(at('AcknowledgedQueue')).not.toContain('error Serverless-SQSRedrivePolicy');
    expect(at('AcknowledgedQueue')).toEqual(expect.arrayContaining(['error AwsSolutions-SQS3', 'error AwsSolutions-SQS4']));
  });

  test('finds nothing else: the stage itself stays clean', () => {
    const extra = new Set(['BareQueue', 'AcknowledgedQueue', 'TableWithoutPitr', 'BareLogGroup']);
    expect(
      synth()
        .findings.filter((f) => !extra.has(f.constructPath.split('/')[1] ?? ''))
        .map(formatFinding),
    ).toEqual([]);
  });
});
