import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { CognitoUserDirectory } from '../../shared/adapters/cognito-user-directory';
import { once } from './once';

const cognitoClient = /* @__PURE__ */ once(() => new CognitoIdentityProviderClient({}));

/** The users and groups of the pool a Cognito trigger was called for. */
export const userDirectory = (userPoolId: string) => new CognitoUserDirectory(cognitoClient(), userPoolId);
