import type { EnvName } from './env-names';

/**
 * Reads configuration a function needs at cold start. A missing value fails the cold start with a message naming
 * the variable, instead of a confusing error on the first request.
 */
export function requiredEnv(name: EnvName): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`Missing configuration: environment variable ${name} is not set (it is set by the function construct at deploy time)`);
  }
  return value;
}

export function optionalEnv(name: EnvName, fallback: string): string {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

export function integerEnv(name: EnvName, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`Invalid configuration: ${name} must be an integer, got "${raw}"`);
  return value;
}
