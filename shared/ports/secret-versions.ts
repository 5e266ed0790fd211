/** The staging labels a rotation moves between the versions of a secret (Secrets Manager's names). */
export const CURRENT_STAGE = 'AWSCURRENT';
export const PENDING_STAGE = 'AWSPENDING';

export interface SecretVersionsDescription {
  /** True once a rotation function and schedule are configured for the secret. */
  readonly rotationEnabled: boolean;
  /** Staging labels by version id, for every version that has at least one. */
  readonly versionStages: Readonly<Record<string, readonly string[]>>;
}

/** The versions and staging labels of one secret: what a rotation function reads and moves. */
export interface SecretVersions {
  describe(secretId: string): Promise<SecretVersionsDescription>;
  /**
   * The value of the version that carries `stage` (and is `versionId`, when given); undefined when there is no such
   * version or it has no value yet (a rotation's placeholder before its first step).
   */
  value(secretId: string, version: { stage: string; versionId?: string }): Promise<string | undefined>;
  /** Stores `value` as version `versionId` labelled AWSPENDING only; repeating it with the same value changes nothing. */
  putPending(secretId: string, versionId: string, value: string): Promise<void>;
  /** Moves AWSCURRENT to `versionId`, taking it from `fromVersionId` (which then becomes AWSPREVIOUS). */
  promote(secretId: string, versionId: string, fromVersionId: string | undefined): Promise<void>;
}
