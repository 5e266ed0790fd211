import type { Group } from '../domain/model/groups';

/** The user pool, as the identity use cases need it. */
export interface UserDirectory {
  /** MFA methods the user has enabled (e.g. SOFTWARE_TOKEN_MFA); sign-in challenges for each of them. */
  enabledMfaMethods(username: string): Promise<readonly string[]>;
  /** Adds the user to a group; adding a member again changes nothing. */
  addToGroup(username: string, group: Group): Promise<void>;
}
