import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { headingAnchor } from '../../lib/constructs/runbook';
import { buildStage, type CfnResourceJson, STAGES, type Stage, synthStage, templatesByStackName } from './synth-stage';

/**
 * Issue 17: every function, DLQ, the state machine and the API have their alarms, found by walking the synthesized
 * templates (not a list); every alarm links a runbook heading that exists and notifies a severity topic; staging
 * and prod refuse to synthesize with no alarm destination or with a placeholder.
 */

interface TemplateJson {
  readonly Resources: Record<string, CfnResourceJson>;
  readonly Outputs?: Record<string, { readonly Value: unknown; readonly Export?: { readonly Name: unknown } }>;
}

interface Located {
  readonly stack: string;
  readonly logicalId: string;
  readonly resource: CfnResourceJson;
}

/** Every template of the stage (all ten stacks), by stack name. */
function templatesOf(stage: Stage): Map<string, TemplateJson> {
  return new Map([...templatesByStackName(synthStage(stage))].map(([name, template]) => [name, template.toJSON() as TemplateJson]));
}

/** Follows Ref, Fn::GetAtt, Fn::GetStackOutput and Fn::ImportValue to the resource named, in any stack of the stage. */
function resolve(templates: Map<string, TemplateJson>, from: string, value: unknown): Located | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const at = (stack: string, logicalId: string): Located | undefined => {
    const resource = templates.get(stack)?.Resources[logicalId];
    return resource ? { stack, logicalId, resource } : undefined;
  };
  if (typeof v.Ref === 'string') return at(from, v.Ref);
  const getAtt = v['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return at(from, getAtt[0]);
  const output = v['Fn::GetStackOutput'] as { StackName?: string; OutputName?: string } | undefined;
  if (output?.StackName && output.OutputName) {
    const produced = templates.get(output.StackName)?.Outputs?.[output.OutputName];
    return produced ? resolve(templates, output.StackName, produced.Value) : undefined;
  }
  const imported = v['Fn::ImportValue'];
  if (typeof imported === 'string') {
    for (const [stack, template] of templates) {
      const found = Object.values(template.Outputs ?? {}).find((o) => o.Export?.Name === imported);
      if (found) return resolve(templates, stack, found.Value);
    }
  }
  return undefined;
}

function all(templates: Map<string, TemplateJson>, type: string): Located[] {
  return [...templates].flatMap(([stack, t]) =>
    Object.entries(t.Resources)
      .filter(([, r]) => r.Type === type)
      .map(([logicalId, resource]) => ({ stack, logicalId, resource })),
  );
}

const dimension = (alarm: CfnResourceJson, name: string): unknown =>
  ((alarm.Properties?.Dimensions as { Name: string; Value: unknown }[] | undefined) ?? []).find((d) => d.Name === name)?.Value;

/** The headings of docs/operations.md, as GitHub anchors them. */
const anchors = new Set(
  readFileSync(path.join(__dirname, '..', '..', 'docs', 'operations.md'), 'utf8')
    .split('\n')
    .filter((line) => /^#{1,6} /.test(line))
    .map((line) => headingAnchor(line.replace(/^#+ /, ''))),
);

describe.each(STAGES)('alarms of stage %s', (stage) => {
  const templates = () => templatesOf(stage);
  const alarms = () => all(templates(), 'AWS::CloudWatch::Alarm');
  const alarmsOn = (namespace: string, metricName: string, dimensionName: string, target: Located) =>
    alarms().filter(
      ({ stack, resource }) =>
        resource.Properties?.Namespace === namespace &&
        resource.Properties.MetricName === metricName &&
        // Alarms that notify someone: a release's rollback alarms (no actions, CodeDeploy watches them) do not count.
        resource.Properties.AlarmActions !== undefined &&
        resolve(templates(), stack, dimension(resource, dimensionName))?.logicalId === target.logicalId,
    );

  test('every AWS::Lambda::Function of every stack has an errors and a throttles alarm', () => {
    const functions = all(templates(), 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(40);
    for (const fn of functions) {
      const covered = ['Errors', 'Throttles'].map((metric) => [metric, alarmsOn('AWS/Lambda', metric, 'FunctionName', fn).length]);
      expect({ fn: `${fn.stack}/${fn.logicalId}`, covered }).toEqual({
        fn: `${fn.stack}/${fn.logicalId}`,
        covered: [
          ['Errors', 1],
          ['Throttles', 1],
        ],
      });
    }
  });

  test('every queue that is a dead-letter queue has a depth and an age alarm', () => {
    const queues = all(templates(), 'AWS::SQS::Queue');
    const deadLetterQueues = queues
      .map((q) => (q.resource.Properties?.RedrivePolicy as { deadLetterTargetArn?: unknown } | undefined)?.deadLetterTargetArn)
      .filter((arn) => arn !== undefined)
      .map((arn, i) => resolve(templates(), queues[i]?.stack ?? '', arn))
      .filter((q): q is Located => q !== undefined);
    expect(deadLetterQueues.length).toBeGreaterThanOrEqual(3);
    for (const dlq of deadLetterQueues) {
      const covered = ['ApproximateNumberOfMessagesVisible', 'ApproximateAgeOfOldestMessage'].map((m) => [m, alarmsOn('AWS/SQS', m, 'QueueName', dlq).length]);
      expect({ dlq: dlq.logicalId, covered }).toEqual({
        dlq: dlq.logicalId,
        covered: [
          ['ApproximateNumberOfMessagesVisible', 1],
          ['ApproximateAgeOfOldestMessage', 1],
        ],
      });
    }
  });

  test('the state machine has its failed, timed-out and aborted alarms', () => {
    const [machine, ...others] = all(templates(), 'AWS::StepFunctions::StateMachine');
    expect(others).toEqual([]);
    if (!machine) throw new Error('no state machine');
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']) {
      expect({ metric, alarms: alarmsOn('AWS/States', metric, 'StateMachineArn', machine).length }).toEqual({ metric, alarms: 1 });
    }
  });

  test('the API has its 5xx rate and p99 latency alarms', () => {
    const onApi = (metricName: string) =>
      alarms().filter(({ resource }) => {
        const p = resource.Properties ?? {};
        const stats = [
          p,
          ...((p.Metrics as { MetricStat?: { Metric: Record<string, unknown>; Stat?: string } }[] | undefined) ?? []).map((m) => m.MetricStat?.Metric ?? {}),
        ];
        return stats.some((m) => m.Namespace === 'AWS/ApiGateway' && m.MetricName === metricName);
      });
    // One alarm that notifies; the other is the API functions' release rollback alarm, which CodeDeploy watches.
    const serverErrors = onApi('5XXError');
    expect(serverErrors.map((a) => [a.stack, a.resource.Properties?.AlarmActions !== undefined]).sort()).toEqual([
      [`Stockade-${stage}-ApiFunctions`, false],
      [`Stockade-${stage}-Observability`, true],
    ]);
    const latency = onApi('Latency');
    expect(latency.map((a) => a.resource.Properties?.ExtendedStatistic)).toEqual(['p99']);
  });

  test('each alarm links a runbook heading that exists in docs/operations.md', () => {
    for (const { logicalId, resource } of [...alarms(), ...all(templates(), 'AWS::CloudWatch::CompositeAlarm')]) {
      const description = String(resource.Properties?.AlarmDescription ?? '');
      const anchor = /docs\/operations\.md#([\w-]+)/.exec(description)?.[1];
      expect({ logicalId, anchor, exists: anchor !== undefined && anchors.has(anchor) }).toEqual({ logicalId, anchor, exists: true });
    }
  });

  test('every alarm that notifies notifies a severity topic: tickets for metric alarms, pages for the composites', () => {
    const topics = (located: Located, key: 'AlarmActions' | 'OKActions') =>
      ((located.resource.Properties?.[key] as unknown[] | undefined) ?? []).map((a) => resolve(templates(), located.stack, a)?.logicalId ?? 'unresolved');
    const ticket = expect.stringMatching(/^AlarmTopic/);
    const page = expect.stringMatching(/^PageTopic/);
    // A release's rollback alarms have no actions: CodeDeploy watches them (lib/constructs/function-release.ts).
    const notifying = alarms().filter((a) => a.resource.Properties?.AlarmActions !== undefined);
    expect(notifying.length).toBeGreaterThan(100);
    for (const alarm of notifying) {
      expect({ alarm: alarm.logicalId, actions: topics(alarm, 'AlarmActions'), ok: topics(alarm, 'OKActions') }).toEqual({
        alarm: alarm.logicalId,
        actions: [ticket],
        ok: [ticket],
      });
    }
    const composites = all(templates(), 'AWS::CloudWatch::CompositeAlarm');
    const name = (c: Located) => c.logicalId.replace(/[0-9A-F]{8}$/, '');
    expect(composites.map(name).sort()).toEqual([
      'PageApi',
      'PageCheckoutAndSaga',
      'PageInventoryProviders',
      'PagePayments',
      'PageQueues',
      // The SLOs' burn-rate pairs (shared/observability/slo.ts): each ticket; the fast ones page through PageCheckoutAndSaga.
      'SloCheckoutFastBurn',
      'SloCheckoutSlowBurn',
      'SloConfirmationFastBurn',
      'SloConfirmationSlowBurn',
    ]);
    for (const composite of composites) {
      const expected = name(composite).startsWith('Page') ? [page] : [ticket];
      expect({ composite: name(composite), actions: topics(composite, 'AlarmActions'), ok: topics(composite, 'OKActions') }).toEqual({
        composite: name(composite),
        actions: expected,
        ok: expected,
      });
    }
    // A fast burn pages: the checkout area's page composite includes both fast-burn composites.
    const checkoutPage = composites.find((c) => name(c) === 'PageCheckoutAndSaga');
    const rule = JSON.stringify(checkoutPage?.resource.Properties?.AlarmRule);
    for (const fast of ['SloCheckoutFastBurn', 'SloConfirmationFastBurn']) expect(rule).toContain(fast);
  });

  test('no stack holds more than 400 resources (CloudFormation allows 500; room for growth)', () => {
    for (const [stack, template] of templates()) {
      const count = Object.keys(template.Resources).length;
      expect({ stack, within: count <= 400, count }).toEqual({ stack, within: true, count });
    }
  });
});

describe('staging and prod are not deployed silently', () => {
  test.each(['staging', 'prod'] as const)('%s does not synthesize with no alarm destination or with placeholders, naming each field', (stage) => {
    let message = '';
    try {
      buildStage(stage, { context: { allowPlaceholders: false } });
    } catch (error) {
      message = (error as Error).message;
    }
    const lines = message.split('\n');
    expect(lines[0]).toBe(`Stage ${stage} is not ready to deploy:`);
    expect(lines.slice(1, 6).map((line) => line.replace(/: (https:\/\/\S+|no destination).*$/, ': $1'))).toEqual([
      '  alarms.page (lib/config/stages.ts): no destination',
      '  alarms.ticket (lib/config/stages.ts): no destination',
      `  api.corsAllowOrigins.0 (lib/config/stages.ts): ${synthStage(stage).config.api.corsAllowOrigins[0]}`,
      '  fulfilment.apiUrl (lib/config/stages.ts): https://fulfilment.example.com/api/',
      `  providers.acme-warehouse.apiUrl (config/inventory-providers/${stage}.json): https://acme-warehouse.example.com/api/`,
    ]);
    expect(message).toContain('-c allowPlaceholders=true');
  });

  test('destinations alone are not enough while a placeholder remains; an example.com address is one', () => {
    const alarms = {
      page: { emails: [], httpsEndpoints: ['https://events.pagerduty.com/integration/abc/enqueue'] },
      ticket: { emails: ['ops@example.com'], httpsEndpoints: [] },
    };
    const build = () => buildStage('prod', { context: { allowPlaceholders: false }, overrides: { alarms: { ...synthStage('dev').config.alarms, ...alarms } } });
    expect(build).toThrow(/alarms\.ticket\.emails\.0 \(lib\/config\/stages\.ts\): ops@example\.com is a placeholder/);
    expect(build).not.toThrow(/alarms\.page/);
  });

  test('with -c allowPlaceholders=true they synthesize, with a warning on the Observability stack', () => {
    const { stacks } = synthStage('prod');
    const warnings = stacks.observability.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));
    expect(warnings.join('\n')).toMatch(/Stage prod synthesized with placeholders \(-c allowPlaceholders=true\): do not deploy this assembly/);
  });

  test('the Deploy workflow never allows placeholders', () => {
    const workflow = readFileSync(path.join(__dirname, '..', '..', '.github', 'workflows', 'deploy.yml'), 'utf8');
    expect(workflow.split('\n').filter((line) => /allowPlaceholders/.test(line) && !/^\s*#/.test(line))).toEqual([]);
  });

  test('dev needs no destination', () => {
    expect(() => buildStage('dev', { context: { allowPlaceholders: false } })).not.toThrow();
  });
});
