/**
 * The git commit of a checkout, "+dirty" when tracked files have uncommitted changes; null
 * outside git. `npm run build` stamps it into dist/build-commit.json (stampBuildCommit.ts),
 * so a build records the code it was compiled from even after the checkout has moved on or
 * the build was copied elsewhere.
 */
import { execFileSync } from 'node:child_process';

export function gitCommit(cwd: string): string | null {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const commit = git('rev-parse', 'HEAD');
    return commit + (git('status', '--porcelain', '--untracked-files=no') ? '+dirty' : '');
  } catch {
    return null;
  }
}
