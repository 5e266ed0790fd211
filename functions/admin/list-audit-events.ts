import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbAuditLog } from '../../shared/adapters/dynamodb-audit-log';
import { requiredEnv } from '../../shared/config/env';
import { httpHandler } from '../../shared/http/http-handler';
import { ListQuerySchema } from '../../shared/schemas/audit';
import { ENV } from '../../shared/config/env-names';

const audit = new DynamoDbAuditLog(new DynamoDBClient({}), requiredEnv(ENV.AUDIT_TABLE));

/** GET /admin/audit: audit events, newest first, paginated with an opaque cursor. */
export const handler = httpHandler({ query: ListQuerySchema }, async ({ query }) => {
  const page = await audit.list({ limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) });
  return { status: 200, body: page, headers: { 'Cache-Control': 'no-store' } };
});
