import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ScheduleService } from '../../../local/aws/eventbridge/schedules';
import type { LambdaService } from '../../../local/aws/lambda/lambda-service';
import { CloudAssembly } from '../../../local/runtime/assembly';
import { IntrinsicResolver } from '../../../local/runtime/intrinsics';

describe('ScheduleService', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stockade-schedules-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    path.join(dir, 'manifest.json'),
    JSON.stringify({
      artifacts: { 'Stockade-dev-Jobs': { type: 'aws:cloudformation:stack', properties: { templateFile: 'jobs.json', stackName: 'Stockade-dev-Jobs' } } },
    }),
  );
  const rule = (expression: string, state = 'ENABLED') => ({
    Type: 'AWS::Events::Rule',
    Properties: { ScheduleExpression: expression, State: state, Targets: [{ Id: 'Target0', Arn: { 'Fn::GetAtt': ['Sweep1', 'Arn'] } }] },
  });
  writeFileSync(
    path.join(dir, 'jobs.json'),
    JSON.stringify({
      Resources: {
        Sweep1: { Type: 'AWS::Lambda::Function', Properties: {} },
        SweepSchedule: rule('rate(5 minutes)'),
        NightlySchedule: rule('cron(0 3 * * ? *)'),
        OffSchedule: rule('rate(1 hour)', 'DISABLED'),
      },
    }),
  );
  const assembly = CloudAssembly.load(dir, 'dev');
  const arn = 'arn:aws:lambda:us-east-1:000000000000:function:Stockade-dev-Jobs-Sweep1';
  const resolver = new IntrinsicResolver(assembly, (r) =>
    r.type === 'AWS::Lambda::Function' ? { ref: 'Stockade-dev-Jobs-Sweep1', attributes: { Arn: arn } } : undefined,
  );

  it('lists the enabled rate() targets and fires one with a Scheduled Event, as its rule does', async () => {
    const events: unknown[] = [];
    const invoked: string[] = [];
    const lambdas = {
      byName: (name: string) => {
        invoked.push(name);
        return { invoke: (event: unknown) => (events.push(event), Promise.resolve({ ok: true as const, value: { swept: 0 } })) };
      },
    } as unknown as LambdaService;
    const schedules = new ScheduleService(lambdas);
    schedules.start(assembly, resolver);
    try {
      expect(schedules.targets()).toEqual([{ rule: 'SweepSchedule', expression: 'rate(5 minutes)', everyMs: 300_000, functionArn: arn }]);
      const target = schedules.targets()[0];
      if (!target) throw new Error('no target');
      await expect(schedules.fire(target)).resolves.toEqual({ ok: true, value: { swept: 0 } });
      expect(invoked[0]).toBe(arn);
      expect(events[0]).toMatchObject({ 'detail-type': 'Scheduled Event', source: 'aws.events', resources: ['SweepSchedule'], detail: {} });
      // A manual run may add its own fields (the reconciliation's settleSeconds) to the same event.
      await schedules.fire(target, { settleSeconds: 0 });
      expect(events[1]).toMatchObject({ 'detail-type': 'Scheduled Event', settleSeconds: 0 });
      expect(schedules.describe()).toEqual([expect.stringContaining('SweepSchedule rate(5 minutes) -> Stockade-dev-Jobs-Sweep1')]);
    } finally {
      await schedules.stop();
    }
  });
});
