import { type ConsumedCapacity, DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

const READ_COMMANDS = new Set(['GetItemCommand', 'BatchGetItemCommand', 'QueryCommand', 'ScanCommand', 'TransactGetItemsCommand']);
const WRITE_COMMANDS = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand', 'TransactWriteItemsCommand']);

/** One data call: its units in total (table and indexes) and the indexes' share. */
export interface CapacityUse {
  readonly step: string;
  readonly command: string;
  readonly kind: 'read' | 'write';
  /** Tables the call touched (a transaction may span several). */
  readonly tables: string;
  readonly units: number;
  readonly indexUnits: number;
}

/**
 * DynamoDB capacity, read from the responses of a client whose every data call asks for it (ReturnConsumedCapacity
 * INDEXES, added by an initialize-step middleware), labelled with the step the caller says it is in.
 */
export class CapacityMeter {
  step = 'unlabelled';
  readonly uses: CapacityUse[] = [];
  /** Calls that returned no ConsumedCapacity, or failed. */
  readonly unmetered: string[] = [];

  /** A DynamoDB client that adds ReturnConsumedCapacity: 'INDEXES' to every data call and records the answer. */
  client(config: DynamoDBClientConfig): DynamoDBClient {
    const client = new DynamoDBClient(config);
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? 'unknown';
        const kind = READ_COMMANDS.has(command) ? 'read' : WRITE_COMMANDS.has(command) ? 'write' : undefined;
        if (!kind) return next(args);
        const step = this.step;
        try {
          const result = await next({ ...args, input: { ...(args.input as object), ReturnConsumedCapacity: 'INDEXES' } });
          const consumed = (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }).ConsumedCapacity;
          const list = consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed];
          if (list.length === 0) this.unmetered.push(`${step}: ${command} returned no ConsumedCapacity`);
          const indexUnits = list.reduce(
            (sum, c) =>
              sum +
              [...Object.values(c.GlobalSecondaryIndexes ?? {}), ...Object.values(c.LocalSecondaryIndexes ?? {})].reduce(
                (s, i) => s + (i.CapacityUnits ?? 0),
                0,
              ),
            0,
          );
          this.uses.push({
            step,
            command: command.replace(/Command$/, ''),
            kind,
            tables: list.map((c) => shortTable(c.TableName ?? '?')).join('+'),
            units: list.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0),
            indexUnits,
          });
          return result;
        } catch (error) {
          this.unmetered.push(`${step}: ${command} failed (${(error as Error).name}); a failed conditional write still costs on AWS`);
          throw error;
        }
      },
      { step: 'initialize', name: 'benchConsumedCapacity' },
    );
    return client;
  }
}

/** A table's short name: Stockade-dev-Data-OrdersTable315BB997 -> Orders. */
export const shortTable = (physical: string) => physical.replace(/^Stockade-[a-z]+-Data-/, '').replace(/Table[0-9A-F]{8}$/, '');
