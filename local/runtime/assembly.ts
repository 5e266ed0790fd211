import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** One resource of a synthesized stack, as CloudFormation sees it. */
export interface TemplateResource {
  readonly stackName: string;
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Record<string, unknown>;
  readonly metadata: Record<string, unknown>;
}

export interface StackTemplate {
  readonly stackName: string;
  readonly templateFile: string;
  readonly resources: readonly TemplateResource[];
  readonly outputs: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
}

/**
 * The synthesized cloud assembly (cdk.out) of one stage: every stack's template, read as the single source of what
 * exists. The local runtime creates nothing that is not here.
 */
export class CloudAssembly {
  readonly stacks: readonly StackTemplate[];

  private constructor(
    readonly directory: string,
    stacks: StackTemplate[],
  ) {
    this.stacks = stacks;
  }

  /** Reads the stacks whose names start with `Stockade-<stage>-` from `directory/manifest.json`. */
  static load(directory: string, stage: string): CloudAssembly {
    const manifest = JSON.parse(readFileSync(path.join(directory, 'manifest.json'), 'utf8')) as {
      artifacts?: Record<string, { type: string; properties?: { templateFile?: string; stackName?: string } }>;
    };
    const prefix = `Stockade-${stage}-`;
    const stacks: StackTemplate[] = [];
    for (const [artifactId, artifact] of Object.entries(manifest.artifacts ?? {})) {
      if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) continue;
      const stackName = artifact.properties.stackName ?? artifactId;
      if (!stackName.startsWith(prefix)) continue;
      const templateFile = path.join(directory, artifact.properties.templateFile);
      const template = JSON.parse(readFileSync(templateFile, 'utf8')) as {
        Resources?: Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }>;
        Outputs?: StackTemplate['outputs'];
      };
      const resources = Object.entries(template.Resources ?? {}).map(([logicalId, r]) => ({
        stackName,
        logicalId,
        type: r.Type,
        properties: r.Properties ?? {},
        metadata: r.Metadata ?? {},
      }));
      stacks.push({ stackName, templateFile, resources, outputs: template.Outputs ?? {} });
    }
    if (stacks.length === 0) {
      throw new Error(`No Stockade-${stage}-* stacks in ${directory}: synthesize the stage first (npm run synth -- --stage ${stage})`);
    }
    return new CloudAssembly(directory, stacks);
  }

  /** Every resource of a CloudFormation type, across stacks. */
  resourcesOfType(type: string): TemplateResource[] {
    return this.stacks.flatMap((s) => s.resources.filter((r) => r.type === type));
  }

  resource(stackName: string, logicalId: string): TemplateResource {
    const found = this.stacks.find((s) => s.stackName === stackName)?.resources.find((r) => r.logicalId === logicalId);
    if (!found) throw new Error(`Resource ${logicalId} not found in ${stackName}`);
    return found;
  }

  /** The directory of a resource's file asset (Lambda code), from the asset metadata CDK writes. */
  assetPath(resource: TemplateResource): string {
    const assetPath = resource.metadata['aws:asset:path'];
    if (typeof assetPath !== 'string') {
      throw new Error(`${resource.stackName}/${resource.logicalId} has no aws:asset:path metadata: synthesize with aws:cdk:enable-asset-metadata`);
    }
    return path.resolve(this.directory, assetPath);
  }
}
