/**
 * Where secrets are read: Secrets Manager in Lambda, through a cache with a TTL so a rotated value reaches a warm
 * function within that time and no redeploy is needed.
 */
export interface SecretStore {
  /** The secret's current string value; fails, naming the secret but never quoting it, when it is missing or binary. */
  read(secretId: string): Promise<string>;
}
