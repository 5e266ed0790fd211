import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { CognitoCustomerAccounts } from '../../shared/adapters/cognito-customer-accounts';
import { CognitoUserDirectory } from '../../shared/adapters/cognito-user-directory';
import { requiredEnv } from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';
import { once } from './once';

const cognitoClient = /* @__PURE__ */ once(() => new CognitoIdentityProviderClient({}));

/** The users and groups of the pool a Cognito trigger was called for. */
export const userDirectory = (userPoolId: string) => new CognitoUserDirectory(cognitoClient(), userPoolId);

/** The customers' accounts in the pool COGNITO_USER_POOL_ID names (export and erasure). */
export const customerAccounts = () => new CognitoCustomerAccounts(cognitoClient(), requiredEnv(ENV.COGNITO_USER_POOL_ID));
