// One Lambda execution environment: loads a function bundle from cdk.out the way the Lambda Node.js runtime does
// (import the file, take the named export) and serves one invocation at a time. Plain JavaScript on purpose: it
// runs in a worker thread with no TypeScript loader, exactly like the deployed bundle.
import { performance } from 'node:perf_hooks';
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';

process.setSourceMapsEnabled?.(true);

const { bundleFile, handlerExport } = workerData;

// Lambda's limit on a synchronous invocation's response, as its error message names it.
const MAX_RESPONSE_BYTES = 6291556;

function serialize(error) {
  if (error instanceof Error) return { errorType: error.name, errorMessage: error.message, stack: error.stack };
  return { errorType: 'Error', errorMessage: String(error) };
}

let handler;
const started = performance.now();
try {
  const module = await import(pathToFileURL(bundleFile).href);
  handler = module[handlerExport];
  if (typeof handler !== 'function') throw new Error(`${bundleFile} does not export a function named ${handlerExport}`);
  parentPort.postMessage({ type: 'ready', initMs: performance.now() - started });
} catch (error) {
  parentPort.postMessage({ type: 'init-error', error: serialize(error) });
}

parentPort.on('message', async (message) => {
  if (message.type !== 'invoke') return;
  const { id, event, context: raw } = message;
  const context = {
    ...raw,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, raw.deadlineMs - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
  try {
    const value = await handler(event, context);
    // The Lambda runtime returns the handler's result as JSON: undefined members vanish, dates become strings.
    const json = JSON.stringify(value) ?? 'null';
    if (Buffer.byteLength(json) > MAX_RESPONSE_BYTES) {
      const errorMessage = `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`;
      parentPort.postMessage({ type: 'error', id, error: { errorType: 'Function.ResponseSizeTooLarge', errorMessage } });
      return;
    }
    parentPort.postMessage({ type: 'result', id, value: JSON.parse(json) });
  } catch (error) {
    parentPort.postMessage({ type: 'error', id, error: serialize(error) });
  }
});
