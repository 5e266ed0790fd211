import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/** Where tracked PIDs are kept; kills leftovers a previous, crashed runtime recorded there. */
export function usePidFile(file: string): void {
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
