import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import type { Measured } from './bundles';
import type { Target } from './targets';

const PROBE = path.join(__dirname, '..', 'lib', 'import-probe.mjs');
const SAMPLE_TIMEOUT_MS = 20_000;

/** What bench/lib/import-probe.mjs reports on file descriptor 3. */
interface ProbeResult {
  readonly bootstrapMs?: number;
  readonly importMs?: number;
  readonly invokeMs?: number;
  readonly invokeStatus?: number;
  readonly network: readonly string[];
  readonly error?: string;
}

/**
 * `runs` samples of every target after one discarded warm-up round, interleaved and rotated round by round. A
 * function measured against an SDK floor is sampled in a pair with it, the floor first in even rounds and last in
 * odd ones, and the pair's ratio recorded: the floors' samples are those of every pair (so many per round), the
 * baseline's one per round.
 */
export async function measure(all: Measured[], runs: number): Promise<void> {
  for (let round = 0; round <= runs; round++) {
    process.stderr.write(round === 0 ? 'rounds: warm-up' : ` ${round}`);
    const active = all.filter((m) => !m.error && !isFloor(m));
    const order = active.map((_, i) => active[(i + round) % active.length]).filter((m): m is Measured => m !== undefined);
    for (const m of order) {
      const floor = m.floor;
      if (!floor || floor.error || !isFloor(floor)) {
        record(m, await sample(m.target), round);
        continue;
      }
      const floorFirst = round % 2 === 0;
      const first = await sample((floorFirst ? floor : m).target);
      const second = await sample((floorFirst ? m : floor).target);
      const [own, its] = floorFirst ? [second, first] : [first, second];
      record(floor, its, round);
      record(m, own, round);
      if (round > 0 && own.importMs !== undefined && its.importMs !== undefined && its.importMs > 0 && !own.error && !its.error)
        m.floorRatios.push(own.importMs / its.importMs);
    }
  }
  process.stderr.write('\n');
}

/** Whether `m` is an SDK floor (bench/cold-start/floors.ts), not the baseline, which is sampled on its own. */
const isFloor = (m: Measured) => m.target.label.startsWith('floor: ');

/** Adds one sample to `m` (not in the warm-up round); a failed sample marks the target failed. */
function record(m: Measured, result: ProbeResult, round: number): void {
  result.network.forEach((n) => m.network.add(n));
  if (result.error !== undefined || result.importMs === undefined) {
    m.error = result.error ?? 'no import time reported';
    return;
  }
  if (round === 0) return;
  m.importMs.push(result.importMs);
  if (result.bootstrapMs !== undefined) m.bootstrapMs.push(result.bootstrapMs);
  if (result.invokeMs !== undefined) m.invokeMs.push(result.invokeMs);
  if (result.invokeStatus !== undefined && result.invokeStatus !== 200) m.target.notes.push(`first invocation answered ${result.invokeStatus}`);
}

/** One cold start of `target` in a fresh Node process, killed (by its PID) past SAMPLE_TIMEOUT_MS. */
function sample(target: Target): Promise<ProbeResult> {
  const args = [PROBE, target.bundleFile, target.handlerExport, ...(target.firstEvent ? [JSON.stringify(target.firstEvent)] : [])];
  const child = spawn(process.execPath, args, { cwd: target.codeDirectory, env: target.environment, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  let report = '';
  let stderr = '';
  child.stdout?.resume(); // the function's own logs
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  (child.stdio[3] as Readable).on('data', (chunk: Buffer) => (report += chunk.toString()));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, SAMPLE_TIMEOUT_MS);
  return new Promise((resolve) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ network: [], error: `could not start node: ${error.message}` });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return resolve({ network: [], error: `no result within ${SAMPLE_TIMEOUT_MS / 1000} s (killed)` });
      try {
        resolve(JSON.parse(report) as ProbeResult);
      } catch {
        resolve({ network: [], error: `probe exited (${signal ?? code}) without a result: ${stderr.trim().split('\n').slice(-3).join(' | ')}` });
      }
    });
  });
}
