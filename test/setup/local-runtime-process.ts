import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

export interface RuntimeProcess {
  readonly child: ChildProcess;
  readonly endpointsFile: string;
  readonly output: () => string;
}

/**
 * Starts `local/cli/start.ts` as its own process over an already synthesized assembly, and resolves once it has
 * written endpoints.json. Tests reach it only over its real protocols.
 */
export async function startRuntimeProcess(options: {
  cdkOut: string;
  stateDirectory: string;
  stage?: string;
  timeoutMs?: number;
  extraArgs?: readonly string[];
  /** Environment variables for the runtime, beyond this process's own (e.g. STOCKADE_WAF_WINDOW_SCALE). */
  env?: Readonly<Record<string, string>>;
}): Promise<RuntimeProcess> {
  const endpointsFile = path.join(options.stateDirectory, 'endpoints.json');
  rmSync(endpointsFile, { force: true });
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(PROJECT_ROOT, 'local', 'cli', 'start.ts'),
      '--no-synth',
      '--stage',
      options.stage ?? 'dev',
      '--cdk-out',
      options.cdkOut,
      '--state-dir',
      options.stateDirectory,
      ...(options.extraArgs ?? []),
    ],
    { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
  );
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  while (!existsSync(endpointsFile)) {
    if (child.exitCode !== null) throw new Error(`The local runtime exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`The local runtime did not start in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, endpointsFile, output: () => output };
}

/** Stops the runtime by its own PID with SIGINT (as Ctrl-C does) and waits for it to exit. */
export async function stopRuntimeProcess(runtime: RuntimeProcess, timeoutMs = 15_000): Promise<number | null> {
  const { child } = runtime;
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

export function readEndpoints<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}
