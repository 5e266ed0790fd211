import * as path from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Annotations, Tags, Validations } from 'aws-cdk-lib';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks, PCIDSS321Checks, ServerlessChecks } from 'cdk-nag';
import { inventoryProvidersFile, loadInventoryProviders } from './config/inventory-providers';
import { ALLOW_PLACEHOLDERS_CONTEXT, checkReadiness } from './config/readiness';
import type { StageConfig } from './config/stage-config';
import { ApiFunctionsStack } from './stacks/api-functions-stack';
import { ApiStack } from './stacks/api-stack';
import { AuthStack } from './stacks/auth-stack';
import { CdnStack, cdnPlacement } from './stacks/cdn-stack';
import { DataStack } from './stacks/data-stack';
import { DeployAccessStack } from './stacks/deploy-access-stack';
import { InventoryStack } from './stacks/inventory-stack';
import { MessagingStack } from './stacks/messaging-stack';
import { ObservabilityStack } from './stacks/observability-stack';
import { SecretsStack } from './stacks/secrets-stack';
import { WorkflowStack } from './stacks/workflow-stack';

export interface StockadeStacks {
  readonly secrets: SecretsStack;
  readonly data: DataStack;
  readonly messaging: MessagingStack;
  readonly auth: AuthStack;
  readonly workflow: WorkflowStack;
  readonly inventory: InventoryStack;
  /** The API's functions and their releases; the Api stack invokes their `live` aliases. */
  readonly apiFunctions: ApiFunctionsStack;
  readonly api: ApiStack;
  readonly observability: ObservabilityStack;
  /** GitHub OIDC and the CI deploy role: deployed by hand once per account, never by the pipeline. */
  readonly deployAccess: DeployAccessStack;
}

/** Every stack of a stage: those of every stage, and those a stage's config turns on. */
export interface StockadeStage extends StockadeStacks {
  /** CloudFront in front of the API's public paths, in stages whose `cdn.enabled` (staging and prod). */
  readonly cdn?: CdnStack;
}

/** Stack name for a concern, e.g. Stockade-prod-Data. */
export function stackName(config: StageConfig, concern: string): string {
  return `Stockade-${config.stage}-${concern}`;
}

/**
 * Builds every stack of one stage into `app` and adds the cdk-nag packs. Used by bin/stockade.ts, the tests and
 * the local runtime, so all three see the same stacks. Staging and prod refuse to build while an alarm severity has
 * no destination or a placeholder remains, unless the app's context says `allowPlaceholders` (lib/config/readiness.ts).
 */
export function addStockadeStage(app: App, config: StageConfig): StockadeStage {
  const env = config.env.account || config.env.region ? { account: config.env.account, region: config.env.region } : undefined;
  const common = (concern: string) => ({ stackName: stackName(config, concern), env, terminationProtection: config.removalPolicy === 'retain' });

  const inventoryProviders = loadInventoryProviders(config);
  const allowPlaceholders = [true, 'true'].includes(app.node.tryGetContext(ALLOW_PLACEHOLDERS_CONTEXT) as unknown as string);
  const providersFile = path.relative(path.join(__dirname, '..'), inventoryProvidersFile(config.stage));
  const { warning } = checkReadiness(config, inventoryProviders, providersFile, allowPlaceholders);
  const secrets = new SecretsStack(app, stackName(config, 'Secrets'), { ...common('Secrets'), config });
  const data = new DataStack(app, stackName(config, 'Data'), { ...common('Data'), config, key: secrets.key });
  const messaging = new MessagingStack(app, stackName(config, 'Messaging'), { ...common('Messaging'), config, key: secrets.key });
  const auth = new AuthStack(app, stackName(config, 'Auth'), { ...common('Auth'), config, key: secrets.key, auditTable: data.audit });
  const workflow = new WorkflowStack(app, stackName(config, 'Workflow'), {
    ...common('Workflow'),
    config,
    key: secrets.key,
    tables: { catalog: data.catalog, orders: data.orders, payments: data.payments, audit: data.audit },
    fulfilmentQueue: messaging.fulfilment,
    paymentEventsQueue: messaging.paymentEvents,
    secrets: { stripeApiKey: secrets.stripeApiKey, fulfilmentApiKey: secrets.fulfilmentApiKey },
    erasureQueue: messaging.erasureRequests,
    userPool: auth.userPool,
  });
  const apiFunctions = new ApiFunctionsStack(app, stackName(config, 'ApiFunctions'), {
    ...common('ApiFunctions'),
    config,
    key: secrets.key,
    userPool: auth.userPool,
    userPoolClients: [auth.storefrontClient],
    tables: { audit: data.audit, catalog: data.catalog, orders: data.orders, payments: data.payments, idempotency: data.idempotency },
    secrets: { cursorSigningKey: secrets.cursorSigningKey, stripeWebhookSecrets: secrets.stripeWebhookSecrets, stripeApiKey: secrets.stripeApiKey },
    orderSaga: workflow.stateMachine,
    paymentEventsQueue: messaging.paymentEvents.queue,
    inventoryProviders,
    inventoryProviderSecrets: secrets.inventoryProviderSecrets,
    inventoryUpdatesQueue: messaging.inventoryUpdates.queue,
    switches: secrets.switches,
    redriveQueues: {
      'inventory-updates': messaging.inventoryUpdates,
      'payment-events': messaging.paymentEvents,
      fulfilment: messaging.fulfilment,
      'erasure-requests': messaging.erasureRequests,
    },
    erasureQueue: messaging.erasureRequests.queue,
  });
  // The CDN's web ACL must be in us-east-1: when the API is elsewhere, the two stacks share its URL across regions.
  const edge = cdnPlacement(config);
  const crossRegionReferences = config.cdn.enabled && edge.crossRegion;
  const api = new ApiStack(app, stackName(config, 'Api'), { ...common('Api'), config, key: secrets.key, handlers: apiFunctions, crossRegionReferences });
  const cdn = config.cdn.enabled
    ? new CdnStack(app, stackName(config, 'Cdn'), {
        ...common('Cdn'),
        ...(edge.crossRegion ? { env: { account: config.env.account, region: edge.region } } : {}),
        crossRegionReferences,
        config,
        api: api.api,
      })
    : undefined;
  const inventory = new InventoryStack(app, stackName(config, 'Inventory'), {
    ...common('Inventory'),
    config,
    key: secrets.key,
    providers: inventoryProviders,
    tables: { catalog: data.catalog, orders: data.orders, audit: data.audit },
    inventoryUpdatesQueue: messaging.inventoryUpdates,
    providerSecrets: secrets.inventoryProviderSecrets,
    switches: secrets.switches,
  });
  const observability = new ObservabilityStack(app, stackName(config, 'Observability'), {
    ...common('Observability'),
    config,
    api: api.api,
    // Every function of the stage, found rather than listed, so that a new one (a Cognito trigger, a rotation
    // function) cannot go without its alarms.
    functions: [secrets, data, messaging, auth, workflow, apiFunctions, api, inventory].flatMap((stack) =>
      stack.node.findAll().filter((c): c is LambdaFunction => c instanceof LambdaFunction),
    ),
    stateMachine: workflow.stateMachine,
    queues: [messaging.fulfilment, messaging.paymentEvents, messaging.inventoryUpdates, messaging.erasureRequests],
    alarmTopic: messaging.alarmTopic,
    pageTopic: messaging.pageTopic,
    key: secrets.key,
  });
  if (warning) Annotations.of(observability).addWarningV2('stockade:placeholders', warning);

  const deployAccess = new DeployAccessStack(app, stackName(config, 'DeployAccess'), { ...common('DeployAccess'), config });

  for (const stack of [secrets, data, messaging, auth, workflow, inventory, apiFunctions, api, ...(cdn ? [cdn] : []), observability, deployAccess]) {
    Tags.of(stack).add('stockade:stage', config.stage);
    Tags.of(stack).add('stockade:component', stack.stackName.split('-').pop() ?? 'unknown');
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new PCIDSS321Checks(app), new ServerlessChecks(app));
  return { secrets, data, messaging, auth, workflow, inventory, apiFunctions, api, ...(cdn ? { cdn } : {}), observability, deployAccess };
}
