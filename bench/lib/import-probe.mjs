// One cold start, in a fresh Node process started by bench/cold-start.ts: imports a function bundle the way the
// Lambda Node.js runtime does (dynamic import of the file, then the named export), optionally calls the handler once,
// and writes the timings as JSON to file descriptor 3 (stdout and stderr belong to the function's own logs).
// Plain JavaScript on purpose: no TypeScript loader in the measured process, exactly like the deployed bundle.
//
// Usage: node import-probe.mjs <bundle file> <handler export> [<event JSON for a first invocation>]
import dns from 'node:dns';
import { writeSync } from 'node:fs';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout as delay } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';

const [bundleFile, handlerExport, eventJson] = process.argv.slice(2);
const result = { bootstrapMs: performance.now(), network: [] };

// Module-scope code must not reach the network (a cold start that waits on a socket is a finding in itself):
// every connection attempt and DNS lookup is refused and recorded instead of leaving this machine.
function blocked(target) {
  result.network.push(target);
  return new Error(`cold-start benchmark: network access blocked (${target})`);
}
net.Socket.prototype.connect = function connect(...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const target =
    typeof first === 'object' && first !== null ? `${first.host ?? first.path ?? 'localhost'}:${first.port ?? ''}` : `${args[1] ?? 'localhost'}:${first}`;
  const error = blocked(target);
  process.nextTick(() => this.destroy(error));
  return this;
};
dns.lookup = (hostname, ...rest) => {
  const error = Object.assign(blocked(`dns ${hostname}`), { code: 'ENOTFOUND' });
  const callback = rest.at(-1);
  if (typeof callback === 'function') process.nextTick(() => callback(error));
};
dns.promises.lookup = async (hostname) => {
  throw Object.assign(blocked(`dns ${hostname}`), { code: 'ENOTFOUND' });
};

function lambdaContext() {
  const timeoutMs = 10_000;
  const deadline = Date.now() + timeoutMs;
  const name = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'bench';
  return {
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${name}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '512',
    awsRequestId: '00000000-0000-4000-8000-000000000001',
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME ?? `/aws/lambda/${name}`,
    logStreamName: 'bench',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
}

try {
  const started = performance.now();
  const module = await import(pathToFileURL(bundleFile).href);
  result.importMs = performance.now() - started;
  const handler = module[handlerExport];
  if (typeof handler !== 'function') throw new Error(`${bundleFile} does not export a function named ${handlerExport}`);
  if (eventJson) {
    const event = JSON.parse(eventJson);
    const invoked = performance.now();
    const response = await handler(event, lambdaContext());
    result.invokeMs = performance.now() - invoked;
    result.invokeStatus = response?.statusCode;
  }
  // Give promises that module-scope code started without awaiting a moment to reach for the network.
  await delay(10);
} catch (error) {
  result.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
writeSync(3, JSON.stringify(result));
process.exit(0);
