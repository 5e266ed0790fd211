/** The integer value of `--name`, from min to max; anything else stops the run with a message naming the flag. */
export function integerOption(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max}, got ${value}`);
  return n;
}

/** The command that started this run, as the docs quote it: `npm run <script> -- <flags>`. */
export function benchCommand(script: string): string {
  const args = process.argv.slice(2).join(' ');
  return `npm run ${script}${args ? ` -- ${args}` : ''}`;
}
