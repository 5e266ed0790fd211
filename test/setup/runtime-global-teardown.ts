import { stopRuntimeProcess } from './local-runtime-process';

/** Stops the shared test runtime once, after the last project that uses it. */
export default async function globalTeardown(): Promise<void> {
  const pending = globalThis.__stockadeTestRuntime;
  if (!pending) return;
  globalThis.__stockadeTestRuntime = undefined;
  await stopRuntimeProcess(await pending);
}
