import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

/**
 * CPU used by a local runtime booted in this process: this process (its servers, Lambda worker threads and whatever
 * else runs here) and the server processes it started (DynamoDB Local, cognito-local), listed in its pids.json.
 * Linux only (/proc); elsewhere only this process is measured.
 */
export interface CpuSnapshot {
  readonly at: number;
  readonly self: NodeJS.CpuUsage;
  /** CPU seconds of each server process the runtime started, by its command marker. */
  readonly children: Map<string, number>;
}

/** CPU seconds (user + system) a process has used, from /proc; undefined where there is no /proc. */
function processCpuSeconds(pid: number, ticksPerSecond: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After "pid (comm) ": state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime …
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

/** This process (the runtime's servers, Lambda worker threads and the benchmark client) and its server processes. */
export function cpuSnapshot(stateDirectory: string, ticksPerSecond: number): CpuSnapshot {
  const children = new Map<string, number>();
  try {
    for (const { pid, marker } of JSON.parse(readFileSync(path.join(stateDirectory, 'pids.json'), 'utf8')) as Array<{ pid: number; marker: string }>) {
      const seconds = processCpuSeconds(pid, ticksPerSecond);
      if (seconds !== undefined) children.set(marker, seconds);
    }
  } catch {
    // No PID file: only this process is measured.
  }
  return { at: performance.now(), self: process.cpuUsage(), children };
}

/** Cores kept busy between two snapshots, per process. */
export function coresBusy(before: CpuSnapshot, after: CpuSnapshot): string {
  const wall = (after.at - before.at) / 1000;
  const self = (after.self.user + after.self.system - before.self.user - before.self.system) / 1e6;
  const parts = [`Node (API, Lambda workers, Step Functions, SQS, stand-ins, this client) ${(self / wall).toFixed(2)}`];
  for (const [marker, seconds] of after.children) {
    const start = before.children.get(marker);
    if (start !== undefined) parts.push(`${marker === 'DynamoDBLocal.jar' ? 'DynamoDB Local (JVM)' : marker} ${((seconds - start) / wall).toFixed(2)}`);
  }
  return parts.join(', ');
}

export function clockTicksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()) || 100;
  } catch {
    return 100;
  }
}
