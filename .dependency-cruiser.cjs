/**
 * The dependency direction of docs/architecture (../shared/design/architecture.md), checked in `npm test`:
 * functions -> shared/{handlers,http,schemas,domain,adapters}; shared/adapters -> shared/ports; shared/domain ->
 * shared/ports; ports speak only in the domain's value types (shared/domain/model), which depend on nothing.
 * lib/ refers to functions only by entry path, never by import; nothing imports from test/. In local/ (local/README.md)
 * the AWS emulators and the partner stand-ins stay apart, below the runtime that composes them and the CLIs.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle makes modules load half-initialized and hides the real layering.',
      from: { pathNot: '^(node_modules|test)/' },
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment:
        'The domain depends on ports only: no adapter, handler, HTTP layer, configuration, SDK or framework. zod is allowed: it has no I/O, and the domain parses its own value shapes with it (provider settings, the versions of an HMAC secret).',
      from: { path: '^shared/domain/' },
      to: {
        path: [
          '^shared/(adapters|handlers|http|config|observability|schemas)/',
          '^(functions|lib|local|bin|bench|test)/',
          '^node_modules/(@aws-sdk|stripe|@middy|@aws-lambda-powertools|aws-cdk-lib|cockatiel)/',
        ],
      },
    },
    {
      name: 'model-depends-on-nothing',
      severity: 'error',
      comment: 'Shared value types are dependency-free, so ports and every layer may use them.',
      from: { path: '^shared/domain/model/' },
      to: { pathNot: '^shared/domain/model/' },
    },
    {
      name: 'ports-speak-in-model-types',
      severity: 'error',
      comment: 'A port names only other ports and the domain model, never a use case (that made catalog.ts <-> catalog-repository.ts a cycle).',
      from: { path: '^shared/ports/' },
      to: { path: '^shared/', pathNot: '^shared/(ports|domain/model)/' },
    },
    {
      name: 'adapters-below-handlers',
      severity: 'error',
      comment: 'Adapters implement ports; they never reach up into functions or the handler kits.',
      from: { path: '^shared/adapters/' },
      to: { path: '^(functions|shared/handlers|lib|local|bin)/' },
    },
    {
      name: 'shared-below-functions',
      severity: 'error',
      comment: 'Nothing in shared/ imports a function entry or composition root.',
      from: { path: '^shared/' },
      to: { path: '^(functions|lib|local|bin|bench)/' },
    },
    {
      name: 'handlers-take-from-their-root',
      severity: 'error',
      comment:
        "A function entry takes its adapters, clients and configuration from its area's root.ts (built from functions/wiring/), never builds them itself: one place per area decides how a dependency is made.",
      from: { path: '^functions/[^/]+/[^/]+[.]ts$', pathNot: '^functions/([^/]+/root|wiring/[^/]+)[.]ts$' },
      to: { path: '^(shared/adapters/|shared/config/env[.]ts$|node_modules/(@aws-sdk|stripe)/)' },
    },
    {
      name: 'lib-names-functions-by-path',
      severity: 'error',
      comment: 'The CDK app refers to functions by entry path; importing one would run its cold start at synth.',
      from: { path: '^(lib|bin)/' },
      to: { path: '^(functions|local|bench|shared/(adapters|handlers|http))/' },
    },
    {
      name: 'local-emulators-and-partners-apart',
      comment:
        'local/README.md: the AWS emulators (local/aws) play only what the template declares and the partner stand-ins (local/partners) only a third party; neither reaches into the other, and each partner stands alone.',
      severity: 'error',
      from: { path: '^local/(aws|partners/[^/]+)/' },
      to: { path: '^local/(aws|partners)/', pathNot: '^local/$1/' },
    },
    {
      name: 'local-pieces-below-the-runtime',
      severity: 'error',
      comment: 'Emulators, stand-ins, clients and demo data are composed by local/runtime/local-runtime.ts; none of them imports it or a CLI.',
      from: { path: '^local/(aws|partners|clients|demo)/' },
      to: { path: '^local/(runtime/local-runtime[.]ts|cli/)' },
    },
    {
      name: 'local-clis-are-entry-points',
      severity: 'error',
      comment: 'local/cli holds what npm scripts run; code shared by CLIs lives beside what it serves, never in a CLI file.',
      from: {},
      to: { path: '^local/cli/' },
    },
    {
      name: 'nothing-imports-tests',
      severity: 'error',
      comment: 'Benchmarks, the runtime and the code never import test helpers.',
      from: { pathNot: '^test/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // cdk.out and .stockade are synthesized or runtime state; bench/.out is the benchmarks' scratch (bundles, tables).
    exclude: { path: '(^|/)(cdk[.]out|[.]stockade)/|^bench/[.]out/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
  },
};
