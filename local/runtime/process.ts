import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const tracked = new Map<number, string>();
let pidFile: string | undefined;

/**
 * Remembers a server process this runtime started, so that it is killed even when the runtime itself dies
 * (an exit hook) or is killed outright (the next start reaps what the PID file lists).
 */
export function trackChild(child: ChildProcess, commandMarker: string): void {
  if (child.pid === undefined) return;
  tracked.set(child.pid, commandMarker);
  child.once('exit', () => {
    tracked.delete(child.pid as number);
    savePidFile();
  });
  savePidFile();
}

/** A second runtime asked for a state directory a running one holds. */
export class StateDirectoryInUseError extends Error {
  constructor(
    readonly directory: string,
    readonly pid: number,
  ) {
    super(
      `A local runtime (pid ${pid}) is already running on ${directory}: stop it first (Ctrl-C in its terminal, or kill ${pid}), or start this one with --state-dir <another directory>`,
    );
    this.name = 'StateDirectoryInUseError';
  }
}

/**
 * Holds the state directory for this process (`runtime.pid` in it), or throws StateDirectoryInUseError naming the
 * live process that holds it: two runtimes on one directory would reap each other's servers and delete each
 * other's endpoints.json. A holder that is gone (a crashed runtime) is taken over. Released when this process exits.
 */
export function claimStateDirectory(directory: string): void {
  const lock = path.join(directory, 'runtime.pid');
  const holder = Number.parseInt(readOr(lock, ''), 10);
  if (Number.isSafeInteger(holder) && holder !== process.pid && isAlive(holder)) throw new StateDirectoryInUseError(directory, holder);
  mkdirSync(directory, { recursive: true });
  writeFileSync(lock, String(process.pid));
  process.once('exit', () => {
    if (readOr(lock, '') === String(process.pid)) rmSync(lock, { force: true });
  });
}

function readOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return fallback;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Where tracked PIDs are kept; kills leftovers a previous, crashed runtime recorded there. Claims the directory
 * first (claimStateDirectory), so a live runtime's servers are never taken for leftovers.
 */
export function usePidFile(file: string): void {
  claimStateDirectory(path.dirname(file));
  pidFile = file;
  try {
    const leftovers = JSON.parse(readFileSync(file, 'utf8')) as Array<{ pid: number; marker: string }>;
    for (const { pid, marker } of leftovers) {
      // Only a process that is still the one we started (its command line names the marker) is killed.
      const cmdline = safeCmdline(pid);
      if (cmdline.includes(marker)) process.kill(pid, 'SIGKILL');
    }
  } catch {
    /* no file, or nothing left */
  }
  savePidFile();
}

function safeCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

function savePidFile(): void {
  if (!pidFile) return;
  mkdirSync(path.dirname(pidFile), { recursive: true });
  writeFileSync(pidFile, JSON.stringify([...tracked].map(([pid, marker]) => ({ pid, marker }))));
}

process.once('exit', () => {
  for (const pid of tracked.keys()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

/** Stops a child by its own PID: SIGTERM, then SIGKILL after `graceMs`. Resolves when it has exited. */
export function stopChild(child: ChildProcess, graceMs = 3_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      try {
        process.kill(child.pid as number, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      process.kill(child.pid as number, 'SIGTERM');
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}
