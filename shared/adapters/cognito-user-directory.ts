import { AdminAddUserToGroupCommand, AdminGetUserCommand, type CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { Group } from '../domain/access/route-policies';
import type { UserDirectory } from '../ports/user-directory';

/** The Cognito user pool as a UserDirectory. */
export class CognitoUserDirectory implements UserDirectory {
  constructor(
    private readonly client: CognitoIdentityProviderClient,
    private readonly userPoolId: string,
  ) {}

  async enabledMfaMethods(username: string): Promise<readonly string[]> {
    const user = await this.client.send(new AdminGetUserCommand({ UserPoolId: this.userPoolId, Username: username }));
    return user.UserMFASettingList ?? [];
  }

  async addToGroup(username: string, group: Group): Promise<void> {
    await this.client.send(new AdminAddUserToGroupCommand({ UserPoolId: this.userPoolId, Username: username, GroupName: group }));
  }
}
