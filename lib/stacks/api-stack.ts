import { Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  Cors,
  EndpointType,
  IdentitySource,
  LambdaIntegration,
  LogGroupLogDestination,
  Method,
  MethodLoggingLevel,
  RequestAuthorizer,
  RequestValidator,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { StockadeTable } from '../constructs/stockade-table';
import { type AuditTrailTable, bindAuditAppender, bindAuditReader } from '../constructs/audit-trail';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { type KnownRoute, routeAccess, routeTableMismatches } from '../../shared/domain/access/route-policies';
import type { InventoryProviders } from '../../shared/domain/inventory/provider-config';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stage-config';
import { ApiFirewall } from '../constructs/api-firewall';
import type { StageContext } from '../constructs/stage-props';
import { type ItemOperation, StockadeFunction } from '../constructs/stockade-function';
import { StockadeLogGroup } from '../constructs/stockade-log-group';
import type { StockadeQueue } from '../constructs/stockade-queue';
import { ENV } from '../../shared/config/env-names';
import { ROUTE_SCHEMAS } from '../../shared/schemas/routes';
import { requestModelSchema } from '../constructs/request-models';

/** The API Gateway stage name; clients call https://…/v1/products. */
export const API_STAGE_NAME = 'v1';

export interface ApiStackProps extends StackProps {
  readonly config: StageConfig;
  readonly key: IKey;
  /** The pool whose access tokens the authorizer accepts, and the clients allowed to present them. */
  readonly userPool: IUserPool;
  readonly userPoolClients: readonly IUserPoolClient[];
  /** The stateful tables the route functions are bound to. */
  readonly tables: {
    readonly audit: AuditTrailTable;
    readonly catalog: StockadeTable;
    readonly orders: StockadeTable;
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
}

/** An error API Gateway answers itself, as problem+json: `id` names its GatewayResponse (`Problem<id>`). */
interface ProblemResponse {
  readonly id: string;
  readonly type: ResponseType;
  readonly status: number;
  readonly title: string;
  readonly slug: string;
  readonly detail?: string;
}

const FORBIDDEN = { status: 403, title: 'Forbidden', slug: 'forbidden' } as const;
const INTERNAL = { status: 500, title: 'Internal error', slug: 'internal' } as const;

/** Every response type API Gateway may answer, with the status and problem type Stockade answers it with. */
const PROBLEM_RESPONSES: readonly ProblemResponse[] = [
  {
    id: 'NotFound',
    type: ResponseType.MISSING_AUTHENTICATION_TOKEN,
    status: 404,
    title: 'Not found',
    slug: 'not-found',
    detail: 'No route matches this method and path',
  },
  { id: 'ResourceNotFound', type: ResponseType.RESOURCE_NOT_FOUND, status: 404, title: 'Not found', slug: 'not-found' },
  { id: 'Unauthorized', type: ResponseType.UNAUTHORIZED, status: 401, title: 'Unauthorized', slug: 'unauthorized' },
  { id: 'AccessDenied', type: ResponseType.ACCESS_DENIED, ...FORBIDDEN },
  { id: 'WafFiltered', type: ResponseType.WAF_FILTERED, ...FORBIDDEN },
  { id: 'ExpiredToken', type: ResponseType.EXPIRED_TOKEN, ...FORBIDDEN },
  { id: 'InvalidSignature', type: ResponseType.INVALID_SIGNATURE, ...FORBIDDEN },
  { id: 'InvalidApiKey', type: ResponseType.INVALID_API_KEY, ...FORBIDDEN },
  { id: 'Throttled', type: ResponseType.THROTTLED, status: 429, title: 'Too many requests', slug: 'throttled' },
  { id: 'QuotaExceeded', type: ResponseType.QUOTA_EXCEEDED, status: 429, title: 'Too many requests', slug: 'throttled' },
  { id: 'TooLarge', type: ResponseType.REQUEST_TOO_LARGE, status: 413, title: 'Payload too large', slug: 'payload-too-large' },
  { id: 'UnsupportedMediaType', type: ResponseType.UNSUPPORTED_MEDIA_TYPE, status: 415, title: 'Unsupported media type', slug: 'unsupported-media-type' },
  { id: 'BadParameters', type: ResponseType.BAD_REQUEST_PARAMETERS, status: 400, title: 'Invalid request', slug: 'validation' },
  { id: 'BadBody', type: ResponseType.BAD_REQUEST_BODY, status: 400, title: 'Invalid request', slug: 'validation' },
  { id: 'Default4xx', type: ResponseType.DEFAULT_4XX, status: 400, title: 'Request refused', slug: 'client-error' },
  { id: 'AuthorizerFailure', type: ResponseType.AUTHORIZER_FAILURE, ...INTERNAL },
  { id: 'AuthorizerConfigurationError', type: ResponseType.AUTHORIZER_CONFIGURATION_ERROR, ...INTERNAL },
  { id: 'ApiConfigurationError', type: ResponseType.API_CONFIGURATION_ERROR, ...INTERNAL },
  // A Lambda proxy integration that fails or answers malformed output: 502, as API Gateway answers it by default.
  { id: 'IntegrationFailure', type: ResponseType.INTEGRATION_FAILURE, status: 502, title: 'Bad gateway', slug: 'bad-gateway' },
  { id: 'Timeout', type: ResponseType.INTEGRATION_TIMEOUT, status: 504, title: 'Gateway timeout', slug: 'timeout' },
  { id: 'Default5xx', type: ResponseType.DEFAULT_5XX, ...INTERNAL },
];

/** Stateless: the REST API, its WAF and the functions behind its routes. */
export class ApiStack extends Stack {
  readonly api: RestApi;
  readonly firewall: ApiFirewall;
  readonly requestValidator: RequestValidator;
  /** Every function behind a route, for alarms and the dashboard. */
  readonly functions: StockadeFunction[] = [];
  /** The Lambda authorizer in front of every member route. */
  readonly authorizer: RequestAuthorizer;
  private readonly stageContext: StageContext;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    this.stageContext = { config: props.config, key: props.key };
    this.api = this.createRestApi();
    this.acknowledgeApiFindings();
    this.addExecutionLogs();
    this.requestValidator = this.createRequestValidator();
    this.addProblemGatewayResponses();
    this.firewall = new ApiFirewall(this, 'Firewall', { stageContext: this.stageContext, stageArn: this.api.deploymentStage.stageArn });
    this.authorizer = this.createAuthorizer(props);
    this.addPlatformRoutes();
    this.addCatalogRoutes(props);
    this.addCartRoutes(props);
    this.addOrderRoutes(props);
    this.addAddressRoutes(props);
    this.addWebhookRoutes(props);
    this.addAdminRoutes(props);
    // One route list: the access table and this API's methods must agree both ways when the app synthesizes, however
    // a method was added (addRoute refuses an unknown route; a method added around it, or a route dropped, is caught here).
    this.node.addValidation({ validate: () => routeTableMismatches(this.servedRoutes()) });
  }

  /** Every `METHOD /path` this API serves, read from the construct tree (CORS preflight OPTIONS left out). */
  servedRoutes(): string[] {
    return this.api.root.node
      .findAll()
      .filter((c): c is Method => c instanceof Method && c.httpMethod !== 'OPTIONS')
      .map((m) => `${m.httpMethod} ${m.resource.path}`);
  }

  /**
   * Adds a route as the access matrix (shared/domain/access/route-policies.ts) declares it: public and webhook
   * routes without authorization, member routes behind the Lambda authorizer. A route the matrix does not list
   * fails synthesis.
   */
  addRoute(route: KnownRoute, fn: StockadeFunction): Method {
    const access = routeAccess(route);
    const [httpMethod, path] = route.split(' ') as [string, string];
    if (!access) throw new Error(`${route} has no entry in the access matrix (shared/domain/access/route-policies.ts)`);
    const resource = this.api.root.resourceForPath(path);
    const schemas = ROUTE_SCHEMAS[route];
    const model = requestModelSchema(schemas);
    const method = resource.addMethod(httpMethod, new LambdaIntegration(fn), {
      requestValidator: this.requestValidator,
      ...(model ? { requestModels: { 'application/json': this.api.addModel(`${fn.node.id}Body`, { contentType: 'application/json', schema: model }) } } : {}),
      ...(schemas.idempotencyKey?.required ? { requestParameters: { 'method.request.header.Idempotency-Key': true } } : {}),
      ...(access.kind === 'member' ? { authorizer: this.authorizer, authorizationType: AuthorizationType.CUSTOM } : {}),
    });
    const reason =
      access.kind === 'public'
        ? `${route} is public by the access matrix (no personal data, read-only or liveness); WAF rules and rate limits still apply.`
        : access.kind === 'webhook'
          ? `${route} is called by a partner with no Cognito identity; the handler verifies the sender's signature over the raw body before reading it, and WAF rate-limits /webhooks/*.`
          : undefined;
    if (reason) {
      Validations.of(method).acknowledge({ id: 'AwsSolutions::AwsSolutions-APIG4', reason }, { id: 'AwsSolutions::AwsSolutions-COG4', reason });
    } else {
      Validations.of(method).acknowledge({
        id: 'AwsSolutions::AwsSolutions-COG4',
        reason:
          'Member routes use a Lambda authorizer that verifies Cognito access tokens with aws-jwt-verify (signature, issuer, expiry, token_use, client id) and then applies the route matrix with MFA evidence and admin network conditions, which a Cognito user pool authorizer cannot express.',
      });
    }
    return method;
  }

  /** The regional REST API with its stage: X-Ray, INFO execution logs, JSON access logs, the stage's throttling and CORS. */
  private createRestApi(): RestApi {
    const { config } = this.stageContext;
    const accessLogs = new StockadeLogGroup(this, 'AccessLogs', { stageContext: this.stageContext });
    return new RestApi(this, 'RestApi', {
      restApiName: `stockade-${config.stage}`,
      description: `Stockade ${config.stage} commerce API`,
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      cloudWatchRole: true,
      deployOptions: {
        stageName: API_STAGE_NAME,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: MethodLoggingLevel.INFO,
        dataTraceEnabled: false,
        throttlingRateLimit: config.api.throttleRateLimit,
        throttlingBurstLimit: config.api.throttleBurstLimit,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields({
          caller: false,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: false,
        }),
      },
      defaultCorsPreflightOptions: {
        allowOrigins: config.api.corsAllowOrigins,
        allowMethods: Cors.ALL_METHODS,
        allowHeaders: ['Content-Type', 'Authorization', 'Idempotency-Key'],
      },
    });
  }

  /**
   * Execution logs go to a group we create (KMS, retention, removal policy) instead of one API Gateway would create
   * on first write, unencrypted and kept forever. The name is the one API Gateway writes to.
   */
  private addExecutionLogs(): void {
    const executionLogs = new StockadeLogGroup(this, 'ExecutionLogs', {
      stageContext: this.stageContext,
      logGroupName: `API-Gateway-Execution-Logs_${this.api.restApiId}/${API_STAGE_NAME}`,
    });
    this.api.deploymentStage.node.addDependency(executionLogs);
  }

  /**
   * Both flags on (cdk-nag AwsSolutions-APIG2 requires both): API Gateway validates a body only against a method's
   * request model, so routes without one are unaffected, and routes that declare one are checked at the edge before
   * the handler's zod schema sees them.
   */
  private createRequestValidator(): RequestValidator {
    return new RequestValidator(this, 'RequestValidator', {
      restApi: this.api,
      validateRequestBody: true,
      validateRequestParameters: true,
    });
  }

  private createAuthorizer(props: ApiStackProps): RequestAuthorizer {
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
    this.functions.push(fn);
    return new RequestAuthorizer(this, 'Authorizer', {
      handler: fn,
      authorizerName: `stockade-${config.stage}-access`,
      identitySources: [IdentitySource.header('Authorization')],
      // Every request is decided afresh: decisions depend on the route and source address, and revoked or expired
      // tokens must not keep working from a cache.
      resultsCacheTtl: Duration.seconds(0),
    });
  }

  /** Liveness and the caller's own identity. */
  private addPlatformRoutes(): void {
    this.addRoute('GET /health', this.addFunction('GetHealth', { entry: 'platform/get-health', service: 'platform' }));
    this.addRoute('GET /openapi.json', this.addFunction('GetOpenApi', { entry: 'platform/get-openapi', service: 'platform' }));
    this.addRoute('GET /me', this.addFunction('GetMe', { entry: 'identity/get-me', service: 'identity' }));
  }

  /** The member's default shipping address, kept in the orders table beside their cart and orders. */
  private addAddressRoutes(props: ApiStackProps): void {
    // Only the ADDRESS#<sub> items: these functions can touch no order, cart or checkout key.
    const address = (id: string, entry: string, access: readonly ItemOperation[]) =>
      this.addFunction(id, { entry: `orders/${entry}`, service: 'orders' }).bindTable(ENV.ORDERS_TABLE, props.tables.orders, access, {
        leadingKeys: ['ADDRESS#*'],
      });
    this.addRoute('PUT /me/address', address('PutDefaultAddress', 'put-default-address', ['PutItem']));
    this.addRoute('GET /me/address', address('GetDefaultAddress', 'get-default-address', ['GetItem']));
  }

  /** The public catalog and the vendor's product management, each function bound to the catalog table. */
  private addCatalogRoutes(props: ApiStackProps): void {
    // Product reads go through the catalog repository, which reads a product's SKUs in one BatchGetItem.
    const catalog = (id: string, entry: string, access: readonly ItemOperation[], queries?: readonly string[]) =>
      this.addFunction(id, { entry: `catalog/${entry}`, service: 'catalog' }).bindTable(ENV.CATALOG_TABLE, props.tables.catalog, access, { queries });
    this.addRoute(
      'GET /products',
      catalog('ListProducts', 'list-products', ['BatchGetItem'], ['byStatus', 'byVendor']).bindSecret(
        ENV.CURSOR_KEY_SECRET_ARN,
        props.secrets.cursorSigningKey,
      ),
    );
    this.addRoute('GET /products/{productId}', catalog('GetProduct', 'get-product', ['GetItem', 'BatchGetItem']));
    this.addRoute('POST /vendor/products', catalog('CreateProduct', 'create-product', ['PutItem']));
    this.addRoute('POST /vendor/products/batch', catalog('CreateProducts', 'create-products', ['PutItem']));
    this.addRoute('PATCH /vendor/products/{productId}', catalog('UpdateProduct', 'update-product', ['GetItem', 'BatchGetItem', 'UpdateItem']));
    this.addRoute('DELETE /vendor/products/{productId}', catalog('ArchiveProduct', 'archive-product', ['GetItem', 'BatchGetItem', 'UpdateItem']));
    // The SKU and its ledger entries are catalog items; the audit trail is append-only.
    this.addRoute(
      'POST /vendor/products/{productId}/stock',
      bindAuditAppender(catalog('AdjustStock', 'adjust-stock', ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem']), props.tables.audit),
    );
  }

  /** The member's cart: kept in the orders table, priced from the catalog. */
  private addCartRoutes(props: ApiStackProps): void {
    // The cart item is read and rewritten whole (PutItem); its lines are priced from the catalog in one BatchGetItem.
    const cart = (id: string, entry: string, orders: readonly ItemOperation[]) =>
      this.addFunction(id, { entry: `cart/${entry}`, service: 'cart' }).bindTable(ENV.ORDERS_TABLE, props.tables.orders, orders);
    const priced = (fn: StockadeFunction) => fn.bindTable(ENV.CATALOG_TABLE, props.tables.catalog, ['BatchGetItem']);
    this.addRoute('GET /cart', priced(cart('GetCart', 'get-cart', ['GetItem'])));
    this.addRoute('PUT /cart/items/{sku}', priced(cart('PutCartItem', 'put-cart-item', ['GetItem', 'PutItem'])));
    this.addRoute('DELETE /cart/items/{sku}', priced(cart('DeleteCartItem', 'delete-cart-item', ['GetItem', 'PutItem'])));
    // Only clearing deletes the cart item, and it reads nothing.
    const clearCart = cart('ClearCart', 'clear-cart', ['DeleteItem']);
    // The cart's composition root is built with the catalog's name, but clearing prices nothing: no grant.
    clearCart.addEnvironment(ENV.CATALOG_TABLE, props.tables.catalog.tableName);
    this.addRoute('DELETE /cart', clearCart);
  }

  /** Checkout (starts the order saga) and the member's orders: list, read (may finalize a payment), cancel. */
  private addOrderRoutes(props: ApiStackProps): void {
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
    checkout.addEnvironment(ENV.ORDER_SAGA_ARN, orderSaga.stateMachineArn);
    checkout.addEnvironment(ENV.SHIPPING_RATES, JSON.stringify(this.stageContext.config.shipping));
    orderSaga.grantStartExecution(checkout);
    this.addRoute('POST /checkout', checkout);
    this.addRoute(
      'GET /orders',
      this.addFunction('ListOrders', { entry: 'orders/list-orders', service: 'orders' })
        .bindTable(ENV.ORDERS_TABLE, tables.orders, [], { queries: ['byCustomer'] })
        .bindSecret(ENV.CURSOR_KEY_SECRET_ARN, secrets.cursorSigningKey),
    );
    // Reading an order awaiting payment may apply a payment Stripe finished (the finalizer), so it may write.
    const getOrder = this.addFunction('GetOrder', { entry: 'orders/get-order', service: 'orders' })
      .bindTable(ENV.ORDERS_TABLE, tables.orders, ['GetItem', 'UpdateItem'])
      .bindTable(ENV.PAYMENTS_TABLE, tables.payments, ['GetItem', 'UpdateItem'])
      .bindSecret(ENV.STRIPE_API_KEY_SECRET_ARN, secrets.stripeApiKey);
    answerTasks(
      getOrder,
      orderSaga.stateMachineArn,
      'The finalizer answers the waiting saga with failure when Stripe says the payment failed; the suite reads orders whose payment succeeded or is still open',
    );
    this.addRoute('GET /orders/{orderId}', getOrder);
    const cancelOrder = this.addFunction('CancelOrder', { entry: 'orders/cancel-order', service: 'orders' })
      .bindTable(ENV.ORDERS_TABLE, tables.orders, 'readWrite')
      .bindTable(ENV.CATALOG_TABLE, tables.catalog, ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem'])
      .keepGrant({
        actions: ['dynamodb:PutItem'],
        resources: [tables.catalog.tableArn],
        reason:
          'Cancelling a paid order restocks it, and a SKU sold on a provider gets a cancellation notice in the outbox (PutItem); the suite cancels orders of SKUs Stockade holds itself',
      })
      .bindSecret(ENV.STRIPE_API_KEY_SECRET_ARN, secrets.stripeApiKey);
    answerTasks(
      cancelOrder,
      orderSaga.stateMachineArn,
      'A cancellation that finds the payment already succeeded lets the saga go on (success) instead of failing it; the suite cancels orders whose payment is open',
    );
    this.addRoute('POST /orders/{orderId}/cancel', cancelOrder);
    // The vendor views through the byVendor index, and the orders' status beside them: read only.
    this.addRoute(
      'GET /vendor/orders',
      this.addFunction('ListVendorOrders', { entry: 'orders/list-vendor-orders', service: 'orders' })
        // The vendor's lines are listed by the index, their orders' status read in one BatchGetItem.
        .bindTable(ENV.ORDERS_TABLE, tables.orders, ['BatchGetItem'], { queries: ['byVendor'] })
        .bindSecret(ENV.CURSOR_KEY_SECRET_ARN, secrets.cursorSigningKey),
    );
  }

  /** Partner webhooks: each verifies its sender's signature and queues what it accepted. */
  private addWebhookRoutes(props: ApiStackProps): void {
    this.addRoute(
      'POST /webhooks/stripe',
      this.addFunction('ReceiveStripeWebhook', { entry: 'payments/receive-stripe-webhook', service: 'payments' })
        .bindTable(ENV.PAYMENTS_TABLE, props.tables.payments, 'append')
        .bindSecret(ENV.STRIPE_WEBHOOK_SECRETS_ARN, props.secrets.stripeWebhookSecrets)
        .bindQueueProducer(ENV.PAYMENT_EVENTS_QUEUE_URL, props.paymentEventsQueue),
    );
    this.addRoute(
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
  }

  /** Operator routes: refunds, reconciliation, dead-letter redrive and the audit trail; each action is audited. */
  private addAdminRoutes(props: ApiStackProps): void {
    const { tables } = props;
    this.addRoute(
      'POST /admin/orders/{orderId}/refund',
      bindAuditAppender(
        this.addFunction('RefundOrder', { entry: 'admin/refund-order', service: 'admin' }).bindTable(ENV.ORDERS_TABLE, tables.orders, 'readWrite'),
        tables.audit,
      ).bindSecret(ENV.STRIPE_API_KEY_SECRET_ARN, props.secrets.stripeApiKey),
    );
    this.addRoute(
      'GET /admin/reconciliation',
      bindAuditAppender(
        this.addFunction('GetReconciliation', { entry: 'admin/get-reconciliation', service: 'admin' }).bindTable(ENV.PAYMENTS_TABLE, tables.payments, [], {
          queries: ['table'],
        }),
        tables.audit,
      ),
    );
    this.addRoute(
      'POST /admin/queues/{queueName}/redrive',
      bindAuditAppender(
        this.addFunction('RedriveQueue', { entry: 'admin/redrive-queue', service: 'admin' }).bindQueueRedrive(ENV.REDRIVE_QUEUES, props.redriveQueues),
        tables.audit,
      ),
    );
    this.addRoute(
      'GET /admin/orders',
      this.addFunction('AdminListOrders', { entry: 'admin/list-orders', service: 'admin' })
        .bindTable(ENV.ORDERS_TABLE, tables.orders, [], { queries: ['byStatus'] })
        .bindSecret(ENV.CURSOR_KEY_SECRET_ARN, props.secrets.cursorSigningKey),
    );
    this.addRoute(
      'GET /admin/audit',
      bindAuditReader(this.addFunction('ListAuditEvents', { entry: 'admin/list-audit-events', service: 'admin' }), tables.audit).bindSecret(
        ENV.CURSOR_KEY_SECRET_ARN,
        props.secrets.cursorSigningKey,
      ),
    );
  }

  /**
   * Errors API Gateway answers itself (unknown route, throttling, oversized body, timeouts) are RFC 9457
   * problem+json like every handler error, with the request id as correlation id and the same security headers.
   *
   * A gateway response template is plain substitution, not VTL: it cannot compute or escape anything. So every
   * response type gets its own response with a fixed status code, and its body states that same status: the
   * DEFAULT_4XX/DEFAULT_5XX fallbacks get one too (400/500), which API Gateway then also answers for any type not
   * configured here, so `status` always equals the HTTP status. The only request values in the body are
   * $context.error.messageString (API Gateway's message, already a quoted JSON string), $context.path (the
   * request path without the query string, percent-encoded as sent) and $context.requestId.
   */
  private addProblemGatewayResponses(): void {
    for (const r of PROBLEM_RESPONSES) {
      const body = [
        `"type":"https://stockade.dev/problems/${r.slug}"`,
        `"title":"${r.title}"`,
        `"status":${r.status}`,
        `"detail":${r.detail ? JSON.stringify(r.detail) : '$context.error.messageString'}`,
        '"instance":"$context.path"',
        '"correlationId":"$context.requestId"',
      ].join(',');
      this.api.addGatewayResponse(`Problem${r.id}`, {
        type: r.type,
        statusCode: String(r.status),
        responseHeaders: {
          'Content-Type': "'application/problem+json'",
          'Strict-Transport-Security': "'max-age=31536000; includeSubDomains'",
          'X-Content-Type-Options': "'nosniff'",
          'Cache-Control': "'no-store'",
        },
        templates: { 'application/json': `{${body}}` },
      });
    }
  }

  /** Findings about the REST API itself that are acknowledged, each with why it does not apply to Stockade. */
  private acknowledgeApiFindings(): void {
    Validations.of(this.api.deploymentStage).acknowledge(
      {
        id: 'PCI.DSS.321::PCI.DSS.321-APIGWCacheEnabledAndEncrypted',
        reason:
          'Responses carry per-user data (orders, carts) and live stock levels that must not be served from a cache; no method enables caching, so there is no cache to encrypt. Stockade handles no cardholder data (Stripe takes the card).',
      },
      {
        id: 'PCI.DSS.321::PCI.DSS.321-APIGWSSLEnabled',
        reason:
          'Every integration is a Lambda proxy integration, which API Gateway calls through the Lambda Invoke API under a resource-based permission; there is no HTTP backend to present a client certificate to. Clients reach the API over TLS only (execute-api serves no plain HTTP).',
      },
    );
    // cloudWatchRole: true creates the account-level role API Gateway uses to write execution and access logs.
    Validations.of(this.api.node.findChild('CloudWatchRole')).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        'This is the account-wide API Gateway CloudWatch role (AWS::ApiGateway::Account): one role writes execution and access logs for every REST API and stage in the account and region, so it cannot be scoped to this API without breaking others (including another Stockade stage sharing the account). AmazonAPIGatewayPushToCloudWatchLogs is the policy AWS documents as required, AWS keeps it in step with the service, only apigateway.amazonaws.com can assume the role, and a hand-narrowed copy cannot be verified without an AWS account: a wrong guess would silently stop the API audit logs.',
    });
  }

  /** Creates a route-backing function with this stack's stage context. */
  private addFunction(id: string, props: { entry: string; service: string; inventoryProviders?: InventoryProviders }): StockadeFunction {
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
    this.functions.push(fn);
    return fn;
  }
}

/** A function that answers the saga's waiting task, with success or failure as it finds the order: the one it may not reach in the suite is kept with `why`. */
function answerTasks(fn: StockadeFunction, stateMachineArn: string, why: string): void {
  fn.answersTasks(stateMachineArn).keepGrant({ actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'], resources: [stateMachineArn], reason: why });
}
