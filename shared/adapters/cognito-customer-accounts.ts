import {
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminUserGlobalSignOutCommand,
  type CognitoIdentityProviderClient,
  UserNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import type { CustomerAccount, CustomerAccounts } from '../ports/personal-data';

/**
 * The Cognito user pool as CustomerAccounts. Users are named by their `sub`, which Cognito accepts as the Username of
 * the admin calls in a pool whose sign-in alias is the e-mail (the username is the sub there).
 */
export class CognitoCustomerAccounts implements CustomerAccounts {
  constructor(
    private readonly client: CognitoIdentityProviderClient,
    private readonly userPoolId: string,
  ) {}

  async find(sub: string): Promise<CustomerAccount | undefined> {
    const user = await absentIfUnknown(this.client.send(new AdminGetUserCommand({ UserPoolId: this.userPoolId, Username: sub })));
    if (!user) return undefined;
    const groups = await absentIfUnknown(this.client.send(new AdminListGroupsForUserCommand({ UserPoolId: this.userPoolId, Username: sub, Limit: 60 })));
    return {
      attributes: Object.fromEntries((user.UserAttributes ?? []).flatMap((a) => (a.Name && a.Value !== undefined ? [[a.Name, a.Value]] : []))),
      groups: (groups?.Groups ?? []).flatMap((g) => (g.GroupName ? [g.GroupName] : [])),
      ...(user.UserCreateDate ? { createdAt: new Date(user.UserCreateDate).toISOString() } : {}),
      enabled: user.Enabled !== false,
    };
  }

  async signOutEverywhere(sub: string): Promise<void> {
    await absentIfUnknown(this.client.send(new AdminUserGlobalSignOutCommand({ UserPoolId: this.userPoolId, Username: sub })));
  }

  async delete(sub: string): Promise<void> {
    await absentIfUnknown(this.client.send(new AdminDeleteUserCommand({ UserPoolId: this.userPoolId, Username: sub })));
  }
}

/** The call's result, or undefined when Cognito knows no such user. */
async function absentIfUnknown<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof UserNotFoundException || (error as { name?: string } | undefined)?.name === 'UserNotFoundException') return undefined;
    throw error;
  }
}
