import type { CloudAssembly, TemplateResource } from './assembly';

/** Local values for the pseudo parameters. */
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';

/** What a provisioned resource answers to `Ref` and `Fn::GetAtt`. */
export interface ResolvedResource {
  readonly ref: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export type PhysicalLookup = (resource: TemplateResource) => ResolvedResource | undefined;

/**
 * Resolves CloudFormation intrinsic functions (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split,
 * Fn::ImportValue, Fn::GetStackOutput, Fn::Base64) against locally provisioned resources; any other one fails loudly.
 */
export class IntrinsicResolver {
  private readonly exports = new Map<string, { stackName: string; value: unknown }>();

  constructor(
    private readonly assembly: CloudAssembly,
    private readonly lookup: PhysicalLookup,
  ) {
    for (const stack of assembly.stacks) {
      for (const output of Object.values(stack.outputs)) {
        if (output.Export && typeof output.Export.Name === 'string') {
          this.exports.set(output.Export.Name, { stackName: stack.stackName, value: output.Value });
        }
      }
    }
  }

  /** Resolves `value` found in `stackName`'s template to plain JSON. */
  resolve(value: unknown, stackName: string): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v, stackName));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [fn, arg] = entries[0] as [string, unknown];
      switch (fn) {
        case 'Ref':
          return this.ref(String(arg), stackName);
        case 'Fn::GetAtt': {
          const [logicalId, attribute] = Array.isArray(arg) ? (arg as string[]) : String(arg).split('.');
          return this.getAtt(String(logicalId), String(attribute), stackName);
        }
        case 'Fn::Join': {
          const [sep, parts] = arg as [string, unknown[]];
          return (this.resolve(parts, stackName) as unknown[]).map(String).join(sep);
        }
        case 'Fn::Select': {
          const [index, list] = arg as [unknown, unknown];
          const items = this.resolve(list, stackName) as unknown[];
          return items[Number(this.resolve(index, stackName))];
        }
        case 'Fn::Split': {
          const [sep, source] = arg as [string, unknown];
          return String(this.resolve(source, stackName)).split(sep);
        }
        case 'Fn::ImportValue': {
          const name = String(this.resolve(arg, stackName));
          const exported = this.exports.get(name);
          if (!exported) throw new Error(`Fn::ImportValue of unknown export ${name}`);
          return this.resolve(exported.value, exported.stackName);
        }
        case 'Fn::GetStackOutput': {
          // How newer CDK versions wire cross-stack references (instead of Export / Fn::ImportValue).
          const { StackName, OutputName } = this.resolve(arg, stackName) as { StackName: string; OutputName: string };
          const stack = this.assembly.stacks.find((s) => s.stackName === StackName);
          const output = stack?.outputs[OutputName];
          if (!stack || !output) throw new Error(`Fn::GetStackOutput of unknown output ${StackName}.${OutputName}`);
          return this.resolve(output.Value, StackName);
        }
        case 'Fn::Sub':
          return this.sub(arg, stackName);
        case 'Fn::Base64':
          return Buffer.from(String(this.resolve(arg, stackName))).toString('base64');
        default:
          if (fn.startsWith('Fn::') || fn === 'Condition') throw new Error(`${fn} in ${stackName} is not supported by the local runtime`);
          break;
      }
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(v, stackName)]));
  }

  resolveString(value: unknown, stackName: string): string {
    const resolved = this.resolve(value, stackName);
    if (typeof resolved !== 'string' && typeof resolved !== 'number' && typeof resolved !== 'boolean') {
      throw new Error(`Expected a string in ${stackName}, got ${JSON.stringify(resolved)}`);
    }
    return String(resolved);
  }

  private ref(name: string, stackName: string): string {
    switch (name) {
      case 'AWS::Region':
        return LOCAL_REGION;
      case 'AWS::AccountId':
        return LOCAL_ACCOUNT;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return stackName;
      case 'AWS::NoValue':
        return '';
      default:
        return this.physical(stackName, name).ref;
    }
  }

  private getAtt(logicalId: string, attribute: string, stackName: string): string {
    const physical = this.physical(stackName, logicalId);
    const value = physical.attributes[attribute];
    if (value === undefined) {
      const resource = this.assembly.resource(stackName, logicalId);
      // Attributes no local service models resolve to a recognisable placeholder rather than failing the runtime.
      return `arn:aws:local:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${resource.type}/${logicalId}/${attribute}`;
    }
    return value;
  }

  private physical(stackName: string, logicalId: string): ResolvedResource {
    const resource = this.assembly.resource(stackName, logicalId);
    return this.lookup(resource) ?? { ref: `local-${logicalId}`, attributes: {} };
  }

  private sub(arg: unknown, stackName: string): string {
    const [template, vars] = Array.isArray(arg) ? (arg as [string, Record<string, unknown>]) : [String(arg), {}];
    return template.replace(/\$\{([^}!]+)\}/g, (_m, expr: string) => {
      if (Object.hasOwn(vars, expr)) return String(this.resolve(vars[expr], stackName));
      if (expr.includes('.')) {
        const [id, ...attr] = expr.split('.');
        return this.getAtt(String(id), attr.join('.'), stackName);
      }
      return this.ref(expr, stackName);
    });
  }
}
