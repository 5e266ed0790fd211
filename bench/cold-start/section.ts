import { FUNCTION_RUNTIME } from '../../lib/constructs/stockade-function';
import { machineDescription, measuredAt } from '../lib/machine';
import { sourceRevision } from '../lib/source-revision';
import type { ColdStartOptions } from './options';
import { NETWORK_FREE_ROUTES } from './targets';

/** The "Cold start" section of docs/benchmarks.md: how and where it was measured, the report, and how to read it. */
export function coldStartSection(report: string, opts: ColdStartOptions): string {
  return `## Cold start

Measured ${measuredAt()} with \`${opts.command}\`: stage ${opts.stage}, source ${sourceRevision(['bin', 'lib', 'functions', 'shared', 'package.json', 'package-lock.json'])}, ${opts.runs} samples per bundle after one discarded warm-up, interleaved.
Machine: ${machineDescription()}.

${report}

How to read it:

- *Import* is the time a fresh Node process takes to \`import()\` the bundle as the Lambda runtime does: parse and compile index.mjs and run module-scope code: Powertools logger and metrics, SDK clients, verifiers, configuration reads, with the function's NODE_OPTIONS (none: source maps are parsed only when an error is first logged, docs/operations.md; the baseline gets the functions' value). Node's own bootstrap is excluded.
- Not included: Lambda's sandbox and runtime start, fetching and unpacking the package, any network (blocked here), X-Ray (Lambda's active tracing records each invocation outside the function's code).
- Lambda runs ${FUNCTION_RUNTIME.name} on arm64 with a CPU share proportional to memory (512 MB is well under one vCPU), so absolute times there are higher than here. Watch the *Δ vs baseline*: what our code and dependencies add on top of an empty handler bundled with the same esbuild options.
- *Floor* is a bundle of only the AWS SDK clients the function's bundle carries (its esbuild metafile's inputs under node_modules/@aws-sdk/client-*), each imported and constructed at module scope, bundled the same way: what no code of ours can go below. *× floor* is the median, over the rounds, of the function's import time over its floor's in a pair of samples taken one right after the other (the floor first in even rounds, last in odd ones), so that what drifts during a run (other work on the host) touches both alike; a floor's columns pool the samples of all its pairs. A function without SDK clients is held to the hello-world baseline.
- *reference: middy + Powertools logger + metrics* is bench/fixtures/framework.ts: the framework every handler carries, imported and constructed as shared/observability/powertools.ts does, and nothing of ours. It is not a target; its Δ shows how much of a function's Δ is the chosen packages' own cost (their Node built-ins included: node:crypto and node:console for the logger, node:stream and node:stream/web for middy's core).
- *First invoke* times one handler call with a minimal API Gateway REST proxy event, only for routes known to answer offline (${[...NETWORK_FREE_ROUTES].join(', ')}); the baseline gets the same event. p90 is nearest-rank: below 10 runs it is the slowest sample. Other load on the machine moves every figure: run twice before trusting a change smaller than the gap between median and p90.
- Sizes are of index.mjs as deployed; gzip approximates its share of the deployment zip, which also carries index.mjs.map.
`;
}
