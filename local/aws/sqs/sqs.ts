import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { TemplateResource } from '../../runtime/assembly';
import { LOCAL_REGION, type IntrinsicResolver, type ResolvedResource } from '../../runtime/intrinsics';
import { LOOPBACK } from '../../runtime/net';
import { localCredentials } from '../credentials';
import { AuthorizingProxy, type RequestAuthorizer } from '../iam/authorizing-proxy';
import { generatedName, type LocalService } from '../service';

/** The account id fauxqs puts in queue URLs and ARNs. */
const FAUXQS_ACCOUNT = '000000000000';

/**
 * fauxqs' SQS store defaults its host to "localhost" and then names queues http://sqs.<region>.localhost:<port>/…,
 * a host this machine does not resolve and that the SQS client would switch to (it uses a QueueUrl whose host
 * differs from its endpoint). With the host unset, queue URLs follow the request's Host: 127.0.0.1:<port>. The
 * stores are not in fauxqs' package exports, so they are imported by file.
 */
async function loopbackStores(): Promise<{ sqsStore: unknown; snsStore: unknown; s3Store: unknown }> {
  const packageDir = (require.resolve.paths('fauxqs') ?? []).map((d) => path.join(d, 'fauxqs')).find((d) => existsSync(path.join(d, 'package.json')));
  if (!packageDir) throw new Error('fauxqs is not installed');
  const load = async <T>(file: string, name: string) =>
    ((await import(pathToFileURL(path.join(packageDir, 'dist', file)).href)) as Record<string, new () => T>)[name] as new () => T;
  const SqsStore = await load<{ host: string }>('sqs/sqsStore.js', 'SqsStore');
  const SnsStore = await load<object>('sns/snsStore.js', 'SnsStore');
  const S3Store = await load<object>('s3/s3Store.js', 'S3Store');
  const sqsStore = new SqsStore();
  sqsStore.host = '';
  return { sqsStore, snsStore: new SnsStore(), s3Store: new S3Store() };
}

/** What the runtime reads of a fauxqs queue (its non-destructive snapshot). */
interface FauxqsQueue {
  readonly name: string;
  inspectMessages(): {
    ready: Array<{ sentTimestamp: number }>;
    delayed: Array<{ sentTimestamp: number }>;
    inflight: Array<{ message: { sentTimestamp: number } }>;
  };
}

type FauxqsApp = {
  listen(options: { port: number; host: string }): Promise<string>;
  close(): Promise<void>;
  server: { address(): AddressInfo | string | null };
};

/**
 * The SQS emulator (fauxqs, current JSON protocol) with every AWS::SQS::Queue of the template: FIFO, visibility
 * timeout, retention and redrive to the DLQ as configured. fauxqs' own start function binds 0.0.0.0, so its app is
 * built here and bound to loopback only. With an authorizer, every client (the runtime's own too) reaches it through
 * an IAM-authorizing proxy (`endpoint`), which queue URLs name, since fauxqs names them after the request's Host.
 */
export class SqsService implements LocalService {
  readonly name = 'SQS (fauxqs)';
  readonly resourceTypes = ['AWS::SQS::Queue'] as const;
  private app?: FauxqsApp;
  private port = 0;
  private client?: SQSClient;
  private readonly queues: string[] = [];
  private readonly proxy?: AuthorizingProxy;
  /** fauxqs' queue store, read in process for what CloudWatch samples (queue depth, oldest message age). */
  private store?: { queuesByName: Map<string, FauxqsQueue> };

  constructor(options: { readonly authorize?: RequestAuthorizer } = {}) {
    if (options.authorize) this.proxy = new AuthorizingProxy('sqs', () => this.port, options.authorize);
  }

  get endpoint(): string {
    return this.proxy ? this.proxy.endpoint : `http://${LOOPBACK}:${this.port}`;
  }

  async start(): Promise<void> {
    const { buildApp } = (await import('fauxqs')) as unknown as { buildApp(options: { logger: boolean; defaultRegion: string; stores: unknown }): FauxqsApp };
    const stores = await loopbackStores();
    this.store = stores.sqsStore as { queuesByName: Map<string, FauxqsQueue> };
    this.app = buildApp({ logger: false, defaultRegion: LOCAL_REGION, stores });
    await this.app.listen({ port: 0, host: LOOPBACK });
    const address = this.app.server.address();
    if (!address || typeof address === 'string') throw new Error('fauxqs did not report a port');
    this.port = address.port;
    await this.proxy?.start();
    this.client = new SQSClient({ endpoint: this.endpoint, region: LOCAL_REGION, credentials: localCredentials });
  }

  physical(resource: TemplateResource): ResolvedResource {
    const fifo = resource.properties.FifoQueue === true || resource.properties.FifoQueue === 'true';
    const name = typeof resource.properties.QueueName === 'string' ? resource.properties.QueueName : generatedName(resource, 80, fifo ? '.fifo' : '');
    const arn = `arn:aws:sqs:${LOCAL_REGION}:${FAUXQS_ACCOUNT}:${name}`;
    return {
      ref: `${this.endpoint}/${FAUXQS_ACCOUNT}/${name}`,
      attributes: { Arn: arn, QueueName: name, QueueUrl: `${this.endpoint}/${FAUXQS_ACCOUNT}/${name}` },
    };
  }

  async provision(resources: readonly TemplateResource[], resolver: IntrinsicResolver): Promise<void> {
    if (!this.client) throw new Error('SQS emulator is not started');
    // Dead-letter queues first: a queue's redrive policy names its DLQ's ARN.
    const isTarget = (r: TemplateResource) => resources.some((q) => JSON.stringify(q.properties.RedrivePolicy ?? {}).includes(`"${r.logicalId}"`));
    const ordered = [...resources].sort((a, b) => Number(isTarget(b)) - Number(isTarget(a)));
    for (const resource of ordered) {
      const p = resolver.resolve(resource.properties, resource.stackName) as Record<string, unknown>;
      const { ref, attributes } = this.physical(resource);
      const queueAttributes: Record<string, string> = {};
      for (const key of [
        'FifoQueue',
        'ContentBasedDeduplication',
        'VisibilityTimeout',
        'MessageRetentionPeriod',
        'DelaySeconds',
        'ReceiveMessageWaitTimeSeconds',
        'MaximumMessageSize',
        'DeduplicationScope',
        'FifoThroughputLimit',
      ]) {
        if (p[key] !== undefined) queueAttributes[key] = String(p[key]);
      }
      if (p.RedrivePolicy) queueAttributes.RedrivePolicy = JSON.stringify(p.RedrivePolicy);
      const created = await this.client.send(new CreateQueueCommand({ QueueName: attributes.QueueName, Attributes: queueAttributes }));
      if (created.QueueUrl !== ref) throw new Error(`fauxqs named ${resource.logicalId} ${created.QueueUrl}, expected ${ref}`);
      this.queues.push(attributes.QueueName ?? ref);
    }
  }

  /**
   * What CloudWatch samples of each queue: messages visible (ApproximateNumberOfMessagesVisible), in flight, and the
   * age in seconds of the oldest message not yet deleted (ApproximateAgeOfOldestMessage; 0 when empty).
   */
  queueSamples(): Array<{ queueName: string; visible: number; notVisible: number; oldestAgeSeconds: number }> {
    const now = Date.now();
    return [...(this.store?.queuesByName.values() ?? [])].map((queue) => {
      const { ready, delayed, inflight } = queue.inspectMessages();
      const sent = [...ready, ...delayed, ...inflight.map((i) => i.message)].map((m) => m.sentTimestamp);
      return {
        queueName: queue.name,
        visible: ready.length,
        notVisible: inflight.length,
        oldestAgeSeconds: sent.length ? Math.floor((now - Math.min(...sent)) / 1000) : 0,
      };
    });
  }

  sdkEnvironment(): Record<string, string> {
    return { AWS_ENDPOINT_URL_SQS: this.endpoint };
  }

  describe(): string[] {
    return [`${this.name.padEnd(16)} ${this.endpoint}  (${this.queues.length} queues, in process)`];
  }

  async stop(): Promise<void> {
    this.client?.destroy();
    await this.proxy?.stop();
    await this.app?.close();
  }
}
