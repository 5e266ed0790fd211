/**
 * The local account administrator's credentials (tests, seeding, tools, the runtime's own clients): IAM allows them
 * everything. Functions run with their own role session's keys (local/aws/iam).
 */
export const localCredentials = { accessKeyId: 'AKIALOCALSTOCKADE000', secretAccessKey: 'local-secret-not-a-real-credential' };
