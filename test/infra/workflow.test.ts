import { resourcesOfType, STAGES, synthStage } from './synth-stage';

interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Resource?: string;
  readonly TimeoutSeconds?: number;
  readonly TimeoutSecondsPath?: string;
  readonly Retry?: Array<{ ErrorEquals: string[]; MaxAttempts?: number; JitterStrategy?: string }>;
  readonly Catch?: Array<{ ErrorEquals: string[]; Next: string }>;
}

/** The definition with every CloudFormation reference replaced by a placeholder, parsed. */
function definitionOf(stage: (typeof STAGES)[number]): { StartAt: string; States: Record<string, AslState>; TimeoutSeconds?: number } {
  const machines = Object.values(resourcesOfType(synthStage(stage).templates.workflow, 'AWS::StepFunctions::StateMachine'));
  expect(machines).toHaveLength(1);
  const definition = (machines[0]?.Properties as { DefinitionString: unknown }).DefinitionString;
  const text =
    typeof definition === 'string'
      ? definition
      : (definition as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : 'REF')).join('');
  return JSON.parse(text) as { StartAt: string; States: Record<string, AslState> };
}

describe.each(STAGES)('the order saga (%s)', (stage) => {
  it("runs the architecture's steps in order, with compensation in reverse", () => {
    const { StartAt, States } = definitionOf(stage);
    const path: string[] = [];
    for (let name: string | undefined = StartAt; name; name = States[name]?.Next) path.push(name);
    expect(path).toEqual(['ReserveStock', 'CreatePaymentIntent', 'AwaitPayment', 'CommitOrder', 'PublishOrderConfirmed', 'OrderConfirmed']);
    const compensation: string[] = [];
    for (let name: string | undefined = States.ReserveStock?.Catch?.[0]?.Next; name; name = States[name]?.Next) compensation.push(name);
    expect(compensation).toEqual(['ReleaseHeldStock', 'CancelOrRefundPayment', 'MarkOrderFailed', 'OrderFailed']);
  });

  it('gives every Task a timeout, a Retry for transient errors and a Catch', () => {
    const { States } = definitionOf(stage);
    const tasks = Object.entries(States).filter(([, s]) => s.Type === 'Task');
    expect(tasks.length).toBe(8);
    for (const [name, state] of tasks) {
      expect({ name, timeout: state.TimeoutSeconds !== undefined || state.TimeoutSecondsPath !== undefined }).toEqual({ name, timeout: true });
      expect({ name, retriesTransient: state.Retry?.some((r) => r.ErrorEquals.includes('TransientError')) }).toEqual({ name, retriesTransient: true });
      expect({ name, catchesAll: state.Catch?.some((c) => c.ErrorEquals.includes('States.ALL')) }).toEqual({ name, catchesAll: true });
    }
  });

  it('spreads the retries of the saga steps that take DynamoDB transactions (full jitter), so steps that conflicted do not collide again', () => {
    const { States } = definitionOf(stage);
    for (const name of ['ReserveStock', 'CommitOrder', 'ReleaseHeldStock', 'MarkOrderFailed']) {
      const transient = States[name]?.Retry?.find((r) => r.ErrorEquals.includes('TransientError'));
      expect({ name, jitter: transient?.JitterStrategy }).toEqual({ name, jitter: 'FULL' });
    }
  });

  it('bounds the payment wait by the hold reserved for it, and leads failures of the forward steps to compensation', () => {
    const { States } = definitionOf(stage);
    expect(States.AwaitPayment).toMatchObject({
      Resource: expect.stringContaining('lambda:invoke.waitForTaskToken'),
      TimeoutSecondsPath: '$.reservation.holdSeconds',
    });
    for (const name of ['ReserveStock', 'CreatePaymentIntent', 'AwaitPayment', 'CommitOrder']) expect(States[name]?.Catch?.[0]?.Next).toBe('ReleaseHeldStock');
    for (const name of ['ReleaseHeldStock', 'CancelOrRefundPayment', 'MarkOrderFailed']) expect(States[name]?.Catch?.[0]?.Next).toBe('CompensationFailed');
    expect(States.PublishOrderConfirmed?.Catch?.[0]?.Next).toBe('FulfilmentNotNotified');
  });

  // Its X-Ray tracing is asserted with the rest of the trace chain in tracing.test.ts.
  it('is a Standard workflow with logging that leaves execution data (task tokens) out', () => {
    const machine = Object.values(resourcesOfType(synthStage(stage).templates.workflow, 'AWS::StepFunctions::StateMachine'))[0]?.Properties as Record<
      string,
      unknown
    >;
    expect(machine).toMatchObject({
      StateMachineType: 'STANDARD',
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
    });
  });
});
