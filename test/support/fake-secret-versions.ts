import { CURRENT_STAGE, type SecretVersions } from '../../shared/ports/secret-versions';

interface FakeVersion {
  value?: string;
  stages: Set<string>;
}

/**
 * One secret's versions in memory, with Secrets Manager's contract: a rotation starts with a placeholder version
 * (labelled AWSPENDING, no value); a version id takes one value only; moving AWSCURRENT must name the version it
 * leaves, which becomes AWSPREVIOUS.
 */
export class FakeSecretVersions implements SecretVersions {
  readonly versions = new Map<string, FakeVersion>();
  rotationEnabled = true;
  /** Calls that changed something, for asserting idempotency. */
  readonly writes: string[] = [];

  constructor(
    readonly secretId: string,
    currentValue: string,
    currentVersionId = 'v-initial-0000000000000000000000000000',
  ) {
    this.versions.set(currentVersionId, { value: currentValue, stages: new Set([CURRENT_STAGE]) });
  }

  /** What RotateSecret does before it invokes the function: a placeholder version for the token. */
  startRotation(token: string): void {
    if (!this.versions.has(token)) this.versions.set(token, { stages: new Set(['AWSPENDING']) });
  }

  async describe(secretId: string) {
    this.check(secretId);
    const versionStages = Object.fromEntries([...this.versions].filter(([, v]) => v.stages.size > 0).map(([id, v]) => [id, [...v.stages]]));
    return { rotationEnabled: this.rotationEnabled, versionStages };
  }

  async value(secretId: string, version: { stage: string; versionId?: string }) {
    this.check(secretId);
    const found = version.versionId ? this.versions.get(version.versionId) : [...this.versions.values()].find((v) => v.stages.has(version.stage));
    return found && found.stages.has(version.stage) ? found.value : undefined;
  }

  async putPending(secretId: string, versionId: string, value: string) {
    this.check(secretId);
    const existing = this.versions.get(versionId);
    if (existing?.value !== undefined) {
      if (existing.value !== value) throw new Error(`ResourceExistsException: version ${versionId} already has another value`);
      return;
    }
    for (const v of this.versions.values()) v.stages.delete('AWSPENDING');
    this.versions.set(versionId, { value, stages: new Set(['AWSPENDING']) });
    this.writes.push(`put ${versionId}`);
  }

  async promote(secretId: string, versionId: string, fromVersionId: string | undefined) {
    this.check(secretId);
    const target = this.versions.get(versionId);
    if (!target) throw new Error(`ResourceNotFoundException: version ${versionId}`);
    const holder = [...this.versions].find(([, v]) => v.stages.has(CURRENT_STAGE));
    if (holder && holder[0] !== fromVersionId && holder[0] !== versionId) throw new Error(`InvalidParameterException: AWSCURRENT is on ${holder[0]}`);
    if (holder && holder[0] !== versionId) {
      for (const v of this.versions.values()) v.stages.delete('AWSPREVIOUS');
      holder[1].stages.delete(CURRENT_STAGE);
      holder[1].stages.add('AWSPREVIOUS');
    }
    target.stages.add(CURRENT_STAGE);
    this.writes.push(`promote ${versionId}`);
  }

  /** The value labelled `stage`. */
  valueAt(stage: string): string | undefined {
    return [...this.versions.values()].find((v) => v.stages.has(stage))?.value;
  }

  private check(secretId: string): void {
    if (secretId !== this.secretId) throw new Error(`ResourceNotFoundException: ${secretId}`);
  }
}
