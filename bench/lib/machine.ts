import * as os from 'node:os';
import { num } from './format';

/** Now, to the second, as the docs quote when a figure was measured. */
export const measuredAt = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** The machine a run measured: Node, OS, CPU model and cores, memory. */
export function machineDescription(): string {
  const cpu = os.cpus();
  return `Node ${process.version} on ${os.platform()} ${os.arch()}, ${cpu[0]?.model.trim() ?? 'unknown CPU'} (${cpu.length} cores), ${Math.round(os.totalmem() / 2 ** 30)} GiB`;
}

/** The 1-minute load average, two decimals (a dash where the OS has none). */
export const loadAverage = () => num(os.loadavg()[0] ?? Number.NaN, 2);
