import { execFileSync } from 'node:child_process';
import { PROJECT_ROOT } from '../../lib/constructs/stockade-function';

/** The commit a benchmark measured, and which of `paths` (its inputs) differ from it. */
export function sourceRevision(paths: readonly string[]): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const commit = git('rev-parse', '--short', 'HEAD').trim();
    const changed = git('status', '--porcelain', '--', ...paths)
      .split('\n')
      .filter(Boolean)
      .map((line) => line.slice(3)); // porcelain: two status letters and a space, then the path
    if (changed.length === 0) return commit;
    return `${commit} plus uncommitted changes to ${changed.slice(0, 4).join(', ')}${changed.length > 4 ? ` and ${changed.length - 4} more` : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}
