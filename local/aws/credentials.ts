/** Credentials every local client and function uses; the local services accept any. */
export const localCredentials = { accessKeyId: 'AKIALOCALSTOCKADE000', secretAccessKey: 'local-secret-not-a-real-credential' };
