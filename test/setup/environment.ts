// Node 20 lacks Promise.withResolvers, which aws-local-stepfunctions needs; Lambda's Node 24 has it.
import 'core-js/actual/promise/with-resolvers';

// What the function construct sets in Lambda, for handlers imported directly by unit tests.
process.env.POWERTOOLS_SERVICE_NAME ??= 'stockade-test';
process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'StockadeTest';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
// Handlers imported by unit tests log nothing; tests that care spy on the logger.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
// Lambda runs Node 24; the SDK's warning about this machine's Node 20 is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
