import { type DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { ReconciliationReport, ReconciliationReports } from '../ports/reconciliation-reports';

/** Reports are kept this long, then expire (the audit trail keeps that each run happened). */
const REPORT_DAYS = 90;
const PARTITION = 'RECONCILIATION';

/** Reconciliation reports in the payments table: `RECONCILIATION` / `REPORT#<runAt>`, the latest read by a Query. */
export class DynamoDbReconciliationReports implements ReconciliationReports {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async save(report: ReconciliationReport): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall(
          {
            pk: PARTITION,
            sk: `REPORT#${report.runAt}`,
            entity: 'reconciliation-report',
            report: JSON.stringify(report),
            expiresAt: Math.floor(Date.parse(report.runAt) / 1000) + REPORT_DAYS * 86_400,
          },
          { removeUndefinedValues: true },
        ),
      }),
    );
  }

  async latest(): Promise<ReconciliationReport | undefined> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :report)',
        ExpressionAttributeValues: marshall({ ':pk': PARTITION, ':report': 'REPORT#' }),
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = Items?.[0] ? unmarshall(Items[0]) : undefined;
    return typeof item?.report === 'string' ? (JSON.parse(item.report) as ReconciliationReport) : undefined;
  }
}
