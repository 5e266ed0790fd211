import { Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ENV } from '../../shared/config/env-names';
import type { KnownRoute } from '../../shared/domain/access/route-policies';
import type { InventoryProviders } from '../../shared/domain/inventory/provider-config';
import { API_STAGE_NAME, restApiName } from '../config/api-names';
import type { StageConfig } from '../config/stage-config';
import { type AuditTrailTable, bindAuditAppender, bindAuditReader } from '../constructs/audit-trail';
import { bindCatalogCache } from '../constructs/catalog-cache';
import { bindSwitchAdmin, bindSwitchReader, type MitigationSwitches } from '../constructs/mitigation-switches';
import { apiServerErrorsRollbackAlarm, FunctionRelease } from '../constructs/function-release';
import type { PackageFiles } from '../constructs/function-bundles';
import type { StageContext } from '../constructs/stage-props';
import { type ItemOperation, StockadeFunction } from '../constructs/stockade-function';
import type { StockadeQueue } from '../constructs/stockade-queue';
import { bindOrderStatusShards, type OrdersTable } from '../constructs/orders-table';
import type { StockadeTable } from '../constructs/stockade-table';

export interface ApiFunctionsStackProps extends StackProps {
  readonly config: StageConfig;
  readonly key: IKey;
  /** The pool whose access tokens the authorizer accepts, and the clients allowed to present them. */
  readonly userPool: IUserPool;
  readonly userPoolClients: readonly IUserPoolClient[];
  /** The stateful tables the route functions are bound to. */
  readonly tables: {
    readonly audit: AuditTrailTable;
    readonly catalog: StockadeTable;
    readonly orders: OrdersTable;
    readonly payments: StockadeTable;
    readonly idempotency: StockadeTable;
  };
  readonly secrets: { readonly cursorSigningKey: ISecret; readonly stripeWebhookSecrets: ISecret; readonly stripeApiKey: ISecret };
  /** The order saga: checkout starts it, cancel ends its payment wait. */
  readonly orderSaga: IStateMachine;
  /** Where the Stripe webhook queues verified events. */
  readonly paymentEventsQueue: IQueue;
  /** The stage's inventory provider data (config/inventory-providers/<stage>.json), inlined into the inventory webhook. */
  readonly inventoryProviders: InventoryProviders;
  /** Each inventory provider's HMAC secret, by provider id: the inventory webhook verifies signatures with them. */
  readonly inventoryProviderSecrets: ReadonlyMap<string, ISecret>;
  /** Where the inventory webhook queues normalized updates (FIFO by SKU). */
  readonly inventoryUpdatesQueue: IQueue;
  /** The queues an admin may redrive (POST /admin/queues/{queueName}/redrive), by the name in the path. */
  readonly redriveQueues: Readonly<Record<string, StockadeQueue>>;
  /** The mitigation switches: checkout and the inventory webhook obey theirs, the admin routes list and flip them. */
  readonly switches: MitigationSwitches;
  /** Where DELETE /me and POST /admin/users/{userId}/erasure queue erasure requests (the Workflow stack runs them). */
  readonly erasureQueue: IQueue;
}

/** A route of the API and the function that serves it (through its `live` alias). */
export interface RouteHandler {
  readonly route: KnownRoute;
  readonly fn: StockadeFunction;
}

/** What the Api stack serves: each route's function and the Lambda authorizer, each released behind its `live` alias. */
export interface ApiHandlers {
  readonly routes: readonly RouteHandler[];
  readonly authorizer: StockadeFunction;
}

/**
 * Stateless: the functions behind the API's routes and its Lambda authorizer, with their roles, log groups and
 * releases. Each function is published as a version behind the alias `live` (FunctionRelease), which the Api stack's
 * integrations, authorizer and Lambda permissions name; CodeDeploy shifts the alias by the stage's traffic shift and
 * rolls back on the function's own errors and latency alarms and on the API's 5xx rate.
 *
 * The functions live apart from the REST API because each release adds five resources per function: together they
 * would pass the 400-resource guard (test/infra). To add a route, register its function here with `route` (in the
 * area's `add<Area>Routes`): the Api stack adds one method per registered route, and the access table must list it.
 */
export class ApiFunctionsStack extends Stack implements ApiHandlers {
  /** Every function of this stack (the route functions and the authorizer), for alarms and the dashboard. */
  readonly functions: StockadeFunction[] = [];
  /** Each route and its function, in the order they were added. */
  readonly routes: RouteHandler[] = [];
  /** The Lambda authorizer in front of every member route. */
  readonly authorizer: StockadeFunction;
  /**
   * The API's 5xx rate over one-minute periods: a rollback alarm of every function's release here. It is not the Api
   * or Observability stack's alarm: both deploy after this stack (the Api stack invokes these aliases, Observability
   * reads every function's metrics), so a deployment group here naming their alarm would be a dependency cycle. It is
   * built from the API's metrics by name and stage instead, strings fixed per stage (lib/config/api-names.ts).
   */
  readonly apiServerErrorsAlarm: Alarm;
  private readonly stageContext: StageContext;

  constructor(scope: Construct, id: string, props: ApiFunctionsStackProps) {
    super(scope, id, props);
    this.stageContext = { config: props.config, key: props.key };
    this.apiServerErrorsAlarm = apiServerErrorsRollbackAlarm(this, 'Api5xxRollback', props.config, {
      apiName: restApiName(props.config),
      stageName: API_STAGE_NAME,
    });
    this.authorizer = this.createAuthorizer(props);
    this.addPlatformRoutes();
    this.addCatalogRoutes(props);
    this.addCartRoutes(props);
    this.addOrderRoutes(props);
    this.addAddressRoutes(props);
    this.addWebhookRoutes(props);
    this.addAdminRoutes(props);
    this.addPrivacyRoutes(props);
  }

  /** Registers `fn` as the function behind `route`; the Api stack adds the method. */
  route(route: KnownRoute, fn: StockadeFunction): StockadeFunction {
    if (this.routes.some((r) => r.route === route)) throw new Error(`${route} is served twice`);
    this.routes.push({ route, fn });
    return fn;
  }

  private createAuthorizer(props: ApiFunctionsStackProps): StockadeFunction {
    const { config } = this.stageContext;
    const fn = new StockadeFunction(this, 'AuthorizeRequest', {
      stageContext: this.stageContext,
      entry: 'identity/authorize-request',
      service: 'identity',
      timeout: Duration.seconds(5),
      environment: {
        [ENV.COGNITO_USER_POOL_ID]: props.userPool.userPoolId,
        [ENV.COGNITO_CLIENT_IDS]: props.userPoolClients.map((c) => c.userPoolClientId).join(','),
        [ENV.STOCKADE_ACCESS_POLICY]: JSON.stringify({
          adminAllowedCidrs: config.admin.allowedCidrs,
          requireSourceIp: config.auth.requireSourceIp,
          accessTokenMaxAgeSeconds: config.auth.accessTokenMinutes * 60,
          ...(config.auth.adminHoursUtc ? { adminHoursUtc: config.auth.adminHoursUtc } : {}),
        }),
      },
    });
    Validations.of(fn).acknowledge({
      id: 'Serverless::Serverless-LambdaDLQ',
      reason: 'API Gateway invokes the authorizer synchronously for each request; there is no asynchronous event to dead-letter.',
    });
    // Denials are audited, one per caller and minute, through a mark (a conditional PutItem) and a chained entry.
    return this.release(bindAuditAppender(fn, props.tables.audit));
  }

  /** Liveness and the caller's own identity. */
  private addPlatformRoutes(): void {
    this.route('GET /health', this.addFunction('GetHealth', { entry: 'platform/get-health', service: 'platform' }));
    // The committed document travels as a file beside the bundle: reading and parsing it at cold start costs about half
    // of loading it as a 170 KB object literal (docs/benchmarks.md, "Where the cold-start targets stand").
    this.route(
      'GET /openapi.json',
      this.addFunction('GetOpenApi', { entry: 'platform/get-openapi', service: 'platform', files: { 'openapi.json': 'docs/openapi.json' } }),
    );
    this.route('GET /me', this.addFunction('GetMe', { entry: 'identity/get-me', service: 'identity' }));
  }

  /** The member's default shipping address, kept in the orders table beside their cart and orders. */
  private addAddressRoutes(props: ApiFunctionsStackProps): void {
    // Only the ADDRESS#<sub> items: these functions can touch no order, cart or checkout key.
    const address = (id: string, entry: string, access: readonly ItemOperation[]) =>
      this.addFunction(id, { entry: `orders/${entry}`, service: 'orders' }).bindTable(ENV.ORDERS_TABLE, props.tables.orders, access, {
        leadingKeys: ['ADDRESS#*'],
      });
    this.route('PUT /me/address', address('PutDefaultAddress', 'put-default-address', ['PutItem']));
    this.route('GET /me/address', address('GetDefaultAddress', 'get-default-address', ['GetItem']));
  }

  /** The public catalog and the vendor's product management, each function bound to the catalog table. */
  private addCatalogRoutes(props: ApiFunctionsStackProps): void {
    // Product reads go through the catalog repository, which reads a product's SKUs in one BatchGetItem.
    const catalog = (id: string, entry: string, access: readonly ItemOperation[], queries?: readonly string[]) =>
      this.addFunction(id, { entry: `catalog/${entry}`, service: 'catalog' }).bindTable(ENV.CATALOG_TABLE, props.tables.catalog, access, { queries });
    // The public reads answer with the stage's Cache-Control and an ETag, so the CDN and browsers keep them.
    const cached = (fn: StockadeFunction) => bindCatalogCache(fn, this.stageContext.config);
    this.route(
      'GET /products',
      cached(
        catalog('ListProducts', 'list-products', ['BatchGetItem'], ['byStatus', 'byVendor']).bindSecret(
          ENV.CURSOR_KEY_SECRET_ARN,
          props.secrets.cursorSigningKey,
        ),
      ),
    );
    this.route('GET /products/{productId}', cached(catalog('GetProduct', 'get-product', ['GetItem', 'BatchGetItem'])));
    // A vendor's product changes are audited (docs/privacy.md, "What is audited").
    const audited = (fn: StockadeFunction) => bindAuditAppender(fn, props.tables.audit);
    this.route('POST /vendor/products', audited(catalog('CreateProduct', 'create-product', ['PutItem'])));
    this.route('POST /vendor/products/batch', audited(catalog('CreateProducts', 'create-products', ['PutItem'])));
    this.route('PATCH /vendor/products/{productId}', audited(catalog('UpdateProduct', 'update-product', ['GetItem', 'BatchGetItem', 'UpdateItem'])));
    this.route('DELETE /vendor/products/{productId}', audited(catalog('ArchiveProduct', 'archive-product', ['GetItem', 'BatchGetItem', 'UpdateItem'])));
    // The SKU and its ledger entries are catalog items; the audit trail is append-only.
    this.route(
      'POST /vendor/products/{productId}/stock',
      audited(catalog('AdjustStock', 'adjust-stock', ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem'])),
    );
  }

  /** The member's cart: kept in the orders table, priced from the catalog. */
  private addCartRoutes(props: ApiFunctionsStackProps): void {
    // The cart item is read and rewritten whole (PutItem); its lines are priced from the catalog in one BatchGetItem.
    const cart = (id: string, entry: string, orders: readonly ItemOperation[]) =>
      this.addFunction(id, { entry: `cart/${entry}`, service: 'cart' }).bindTable(ENV.ORDERS_TABLE, props.tables.orders, orders);
    const priced = (fn: StockadeFunction) => fn.bindTable(ENV.CATALOG_TABLE, props.tables.catalog, ['BatchGetItem']);
    this.route('GET /cart', priced(cart('GetCart', 'get-cart', ['GetItem'])));
    this.route('PUT /cart/items/{sku}', priced(cart('PutCartItem', 'put-cart-item', ['GetItem', 'PutItem'])));
    this.route('DELETE /cart/items/{sku}', priced(cart('DeleteCartItem', 'delete-cart-item', ['GetItem', 'PutItem'])));
    // Only clearing deletes the cart item, and it reads nothing.
    const clearCart = cart('ClearCart', 'clear-cart', ['DeleteItem']);
    // The cart's composition root is built with the catalog's name, but clearing prices nothing: no grant.
    clearCart.addEnvironment(ENV.CATALOG_TABLE, props.tables.catalog.tableName);
    this.route('DELETE /cart', clearCart);
  }

  /** Checkout (starts the order saga) and the member's orders: list, read (may finalize a payment), cancel. */
  private addOrderRoutes(props: ApiFunctionsStackProps): void {
    const { tables, secrets, orderSaga } = props;
    // The provider data tells checkout which SKUs sell only on live stock (refused while their provider's circuit is open).
    const checkout = this.addFunction('CreateCheckout', { entry: 'checkout/create-checkout', service: 'orders', inventoryProviders: props.inventoryProviders })
      // It deletes the cart it checked out, and Powertools deletes its idempotency record when the handler fails.
      .bindTable(ENV.ORDERS_TABLE, tables.orders, ['GetItem', 'PutItem'], { deletes: true })
      .bindTable(ENV.CATALOG_TABLE, tables.catalog, ['GetItem', 'BatchGetItem'])
      .bindTable(ENV.IDEMPOTENCY_TABLE, tables.idempotency, ['GetItem', 'PutItem', 'UpdateItem'], { deletes: true })
      .keepGrant({
        actions: ['dynamodb:GetItem'],
        resources: [tables.idempotency.tableArn],
        reason:
          "Powertools' DynamoDBPersistenceLayer reads an idempotency record with GetItem when a conditional put's failure does not carry the existing item; DynamoDB returns it, so the suite never takes that path",
      });
    bindOrderStatusShards(checkout, tables.orders);
    checkout.addEnvironment(ENV.ORDER_SAGA_ARN, orderSaga.stateMachineArn);
    checkout.addEnvironment(ENV.SHIPPING_RATES, JSON.stringify(this.stageContext.config.shipping));
    orderSaga.grantStartExecution(checkout);
    this.route('POST /checkout', checkout);
    bindSwitchReader(checkout, props.switches, ['checkout-paused']);
    this.route(
      'GET /orders',
      bindOrderStatusShards(this.addFunction('ListOrders', { entry: 'orders/list-orders', service: 'orders' }), tables.orders)
        // The index keeps only keys: the page's orders are read in one BatchGetItem.
        .bindTable(ENV.ORDERS_TABLE, tables.orders, ['BatchGetItem'], { queries: ['byCustomer'] })
        .bindSecret(ENV.CURSOR_KEY_SECRET_ARN, secrets.cursorSigningKey),
    );
    // Reading an order awaiting payment may apply a payment Stripe finished (the finalizer), so it may write.
    const getOrder = bindOrderStatusShards(this.addFunction('GetOrder', { entry: 'orders/get-order', service: 'orders' }), tables.orders)
      .bindTable(ENV.ORDERS_TABLE, tables.orders, ['GetItem', 'UpdateItem'])
      .bindTable(ENV.PAYMENTS_TABLE, tables.payments, ['GetItem', 'UpdateItem'])
      .bindSecret(ENV.STRIPE_API_KEY_SECRET_ARN, secrets.stripeApiKey);
    getOrder.answersTasks(
      orderSaga.stateMachineArn,
      'The finalizer answers the waiting saga with failure when Stripe says the payment failed; the suite reads orders whose payment succeeded or is still open',
    );
    this.route('GET /orders/{orderId}', getOrder);
    const cancelOrder = bindOrderStatusShards(this.addFunction('CancelOrder', { entry: 'orders/cancel-order', service: 'orders' }), tables.orders)
      .bindTable(ENV.ORDERS_TABLE, tables.orders, 'readWrite')
      .bindTable(ENV.CATALOG_TABLE, tables.catalog, ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem'])
      .keepGrant({
        actions: ['dynamodb:PutItem'],
        resources: [tables.catalog.tableArn],
        reason:
          'Cancelling a paid order restocks it, and a SKU sold on a provider gets a cancellation notice in the outbox (PutItem); the suite cancels orders of SKUs Stockade holds itself',
      })
      .bindSecret(ENV.STRIPE_API_KEY_SECRET_ARN, secrets.stripeApiKey);
    cancelOrder.answersTasks(
      orderSaga.stateMachineArn,
      'A cancellation that finds the payment already succeeded lets the saga go on (success) instead of failing it; the suite cancels orders whose payment is open',
    );
    // The customer's cancellations are audited.
    this.route('POST /orders/{orderId}/cancel', bindAuditAppender(cancelOrder, tables.audit));
    // The vendor views through the byVendor index, and the orders' status beside them: read only.
    this.route(
      'GET /vendor/orders',
      // The vendor's lines are listed by the index (its shards: the orders' status shard count), their orders' status
      // read in one BatchGetItem.
      bindOrderStatusShards(
        this.addFunction('ListVendorOrders', { entry: 'orders/list-vendor-orders', service: 'orders' })
          .bindTable(ENV.ORDERS_TABLE, tables.orders, ['BatchGetItem'], { queries: ['byVendor'] })
          .bindSecret(ENV.CURSOR_KEY_SECRET_ARN, secrets.cursorSigningKey),
        tables.orders,
      ),
    );
  }

  /** Partner webhooks: each verifies its sender's signature and queues what it accepted. */
  private addWebhookRoutes(props: ApiFunctionsStackProps): void {
    this.route(
      'POST /webhooks/stripe',
      this.addFunction('ReceiveStripeWebhook', { entry: 'payments/receive-stripe-webhook', service: 'payments' })
        .bindTable(ENV.PAYMENTS_TABLE, props.tables.payments, 'append')
        .bindSecret(ENV.STRIPE_WEBHOOK_SECRETS_ARN, props.secrets.stripeWebhookSecrets)
        .bindQueueProducer(ENV.PAYMENT_EVENTS_QUEUE_URL, props.paymentEventsQueue),
    );
    const inventoryWebhook = this.route(
      'POST /webhooks/inventory/{providerId}',
      this.addFunction('ReceiveInventoryWebhook', {
        entry: 'inventory/receive-inventory-webhook',
        service: 'inventory',
        inventoryProviders: props.inventoryProviders,
      })
        .bindSecretMap(ENV.INVENTORY_PROVIDER_SECRET_ARNS, props.inventoryProviderSecrets)
        .bindQueueProducer(ENV.INVENTORY_UPDATES_QUEUE_URL, props.inventoryUpdatesQueue)
        // Quarantined lines only: the webhook may put QUARANTINE# items and nothing else of the catalog.
        .bindTable(ENV.CATALOG_TABLE, props.tables.catalog, 'append', { leadingKeys: ['QUARANTINE#*'] })
        .addEnvironment(ENV.INVENTORY_HMAC_GRACE_HOURS, String(this.stageContext.config.secrets.inventoryGraceHours)),
    );
    bindSwitchReader(inventoryWebhook, props.switches, ['inventory-webhooks-refused']);
  }

  /** Operator routes: refunds, reconciliation, dead-letter redrive and the audit trail; each action is audited. */
  private addAdminRoutes(props: ApiFunctionsStackProps): void {
    const { tables } = props;
    this.route(
      'POST /admin/orders/{orderId}/refund',
      bindAuditAppender(
        bindOrderStatusShards(this.addFunction('RefundOrder', { entry: 'admin/refund-order', service: 'admin' }), tables.orders).bindTable(
          ENV.ORDERS_TABLE,
          tables.orders,
          'readWrite',
        ),
        tables.audit,
      ).bindSecret(ENV.STRIPE_API_KEY_SECRET_ARN, props.secrets.stripeApiKey),
    );
    this.route(
      'GET /admin/reconciliation',
      bindAuditAppender(
        this.addFunction('GetReconciliation', { entry: 'admin/get-reconciliation', service: 'admin' }).bindTable(ENV.PAYMENTS_TABLE, tables.payments, [], {
          queries: ['table'],
        }),
        tables.audit,
      ),
    );
    this.route(
      'POST /admin/queues/{queueName}/redrive',
      bindAuditAppender(
        this.addFunction('RedriveQueue', { entry: 'admin/redrive-queue', service: 'admin' }).bindQueueRedrive(ENV.REDRIVE_QUEUES, props.redriveQueues),
        tables.audit,
      ),
    );
    // The orders show names, e-mail and addresses: each admin read of them is audited.
    this.route(
      'GET /admin/orders',
      bindAuditAppender(
        // It reads every shard of the byStatus index (the same index, so the same grant).
        bindOrderStatusShards(this.addFunction('AdminListOrders', { entry: 'admin/list-orders', service: 'admin' }), tables.orders)
          .bindTable(ENV.ORDERS_TABLE, tables.orders, ['BatchGetItem'], { queries: ['byStatus'] })
          .bindSecret(ENV.CURSOR_KEY_SECRET_ARN, props.secrets.cursorSigningKey),
        tables.audit,
      ),
    );
    this.route(
      'GET /admin/audit',
      bindAuditReader(this.addFunction('ListAuditEvents', { entry: 'admin/list-audit-events', service: 'admin' }), tables.audit).bindSecret(
        ENV.CURSOR_KEY_SECRET_ARN,
        props.secrets.cursorSigningKey,
      ),
    );
    // The mitigation switches (docs/operations.md): every switch's parameter, read by both, written only by the flip.
    this.route(
      'GET /admin/switches',
      bindSwitchAdmin(this.addFunction('ListSwitches', { entry: 'admin/list-switches', service: 'admin' }), props.switches, 'list'),
    );
    this.route(
      'PUT /admin/switches/{name}',
      bindAuditAppender(
        bindSwitchAdmin(this.addFunction('FlipSwitch', { entry: 'admin/flip-switch', service: 'admin' }), props.switches, 'flip'),
        tables.audit,
      ).addEnvironment(ENV.INVENTORY_PROVIDER_IDS, Object.keys(props.inventoryProviders.providers).join(',')),
    );
  }

  /**
   * A customer's export and erasure (docs/privacy.md): the export reads every store of their data and their own audit
   * events (byActor) and claims one export per interval (EXPORT#<sub> put); the erasure requests only queue and audit.
   */
  private addPrivacyRoutes(props: ApiFunctionsStackProps): void {
    const { tables } = props;
    const { privacy } = this.stageContext.config;
    const exportData = bindAuditAppender(
      bindOrderStatusShards(this.addFunction('ExportPersonalData', { entry: 'privacy/export-personal-data', service: 'privacy' }), tables.orders)
        // Cart, address and the allowance (GetItem), the allowance's claim (PutItem), the orders (byCustomer's keys, then BatchGetItem).
        .bindTable(ENV.ORDERS_TABLE, tables.orders, ['GetItem', 'BatchGetItem', 'PutItem'], { queries: ['byCustomer'] })
        .bindTable(ENV.PAYMENTS_TABLE, tables.payments, 'read'),
      tables.audit,
    )
      // The caller's own audit events only through the byActor index: no item reads, no other query.
      .bindTable(ENV.AUDIT_TABLE, tables.audit, [], { queries: ['byActor'] })
      .addEnvironment(ENV.COGNITO_USER_POOL_ID, props.userPool.userPoolId)
      .addEnvironment(ENV.EXPORT_INTERVAL_SECONDS, String(privacy.exportIntervalMinutes * 60));
    exportData.addToRolePolicy(
      new PolicyStatement({ actions: ['cognito-idp:AdminGetUser', 'cognito-idp:AdminListGroupsForUser'], resources: [props.userPool.userPoolArn] }),
    );
    this.route('GET /me/export', exportData);
    const requestErasure = (id: string, entry: string) =>
      bindAuditAppender(this.addFunction(id, { entry: `privacy/${entry}`, service: 'privacy' }), tables.audit).bindQueueProducer(
        ENV.ERASURE_QUEUE_URL,
        props.erasureQueue,
      );
    this.route('DELETE /me', requestErasure('RequestErasure', 'request-erasure'));
    this.route('POST /admin/users/{userId}/erasure', requestErasure('RequestUserErasure', 'request-user-erasure'));
  }

  /** Creates a route-backing function with this stack's stage context, released behind its `live` alias. */
  private addFunction(id: string, props: { entry: string; service: string; inventoryProviders?: InventoryProviders; files?: PackageFiles }): StockadeFunction {
    const fn = new StockadeFunction(this, id, {
      stageContext: this.stageContext,
      ...props,
      environment: {
        [ENV.STOCKADE_MAX_BODY_BYTES]: String(this.stageContext.config.api.maxBodyBytes),
        [ENV.STOCKADE_CORS_ORIGINS]: this.stageContext.config.api.corsAllowOrigins.join(','),
      },
    });
    Validations.of(fn).acknowledge({
      id: 'Serverless::Serverless-LambdaDLQ',
      reason:
        'Route functions are invoked synchronously by API Gateway (Lambda proxy): the caller gets the error as a problem+json response and there is no asynchronous event to dead-letter.',
    });
    return this.release(fn);
  }

  /** Publishes `fn` behind its `live` alias, released by the stage's traffic shift and rolled back on the API's 5xx rate too. */
  private release(fn: StockadeFunction): StockadeFunction {
    this.functions.push(fn);
    new FunctionRelease(fn, { config: this.stageContext.config, alarms: [this.apiServerErrorsAlarm] });
    return fn;
  }
}
