import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { SwitchName } from '../domain/model/switches';
import type { StoredSwitch, SwitchStore } from '../ports/switches';

/** Each switch's SSM parameter name, for the switches a function is bound to (lib/constructs/mitigation-switches.ts). */
export type SwitchParameters = Readonly<Partial<Record<SwitchName, string>>>;

export function parameterOf(parameters: SwitchParameters, name: SwitchName): string {
  const parameter = parameters[name];
  if (!parameter) throw new Error(`No parameter is bound for the switch ${name} (bindSwitches)`);
  return parameter;
}

/** The switches' parameters read and written directly, for the admin routes (an admin sees the value SSM holds now). */
export class SsmSwitchStore implements SwitchStore {
  constructor(
    private readonly client: SSMClient,
    private readonly parameters: SwitchParameters,
  ) {}

  async read(name: SwitchName): Promise<StoredSwitch> {
    const { Parameter } = await this.client.send(new GetParameterCommand({ Name: parameterOf(this.parameters, name) }));
    return {
      value: Parameter?.Value ?? '',
      version: Parameter?.Version ?? 0,
      ...(Parameter?.LastModifiedDate ? { lastModified: Parameter.LastModifiedDate.toISOString() } : {}),
    };
  }

  async write(name: SwitchName, value: string): Promise<void> {
    // Overwrite an existing parameter (CloudFormation created it); its type stays String.
    await this.client.send(new PutParameterCommand({ Name: parameterOf(this.parameters, name), Value: value, Overwrite: true }));
  }
}
