/**
 * Decides which paths found inside designated folders stay out of the archive.
 *
 * - Plan excludes (gitignore syntax) are matched against paths inside each
 *   designated folder, as if that folder held a .gitignore: `/build` is the
 *   build folder at its top, `node_modules/` matches at any depth.
 * - With respectGitignore, each .gitignore applies to paths relative to its own
 *   folder and a deeper one overrides a shallower one (negations included), as
 *   in git. The .gitignore files between a designated folder and its
 *   repository's root (the nearest folder with a .git) count too. Global git
 *   excludes and .git/info/exclude are not read.
 *
 * A designated path itself is never excluded: naming it is a clear request.
 */
import { lstat, readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { displayName } from './byte-names';

/** The .gitignore rules of one folder. */
interface FolderRules {
  folder: string;
  rules: Ignore;
}

/** The gitignore rules in force inside one folder: its own and its ancestors', deepest last. */
export type GitignoreScope = readonly FolderRules[];

export class Exclusion {
  /** Undefined when the plan excludes nothing: matching every path against no rules still costs microseconds each. */
  private readonly planRules: Ignore | undefined;

  constructor(
    excludes: readonly string[],
    private readonly respectGitignore: boolean,
    /** Called when a .gitignore cannot be read, so the user learns its rules were not applied. */
    private readonly onUnreadable: (path: string, reason: string) => void,
  ) {
    this.planRules = excludes.length > 0 ? ignore().add([...excludes]) : undefined;
  }

  /** The scope for a designated folder: the .gitignore files above it, up to its repository's root. */
  async scopeAbove(folder: string): Promise<GitignoreScope> {
    if (!this.respectGitignore) return [];
    const repositoryRoot = await findRepositoryRoot(folder);
    if (repositoryRoot === undefined || repositoryRoot === folder) return [];
    const ancestors: string[] = [];
    for (let at = dirname(folder); ; at = dirname(at)) {
      ancestors.unshift(at);
      if (at === repositoryRoot) break;
    }
    let scope: GitignoreScope = [];
    for (const ancestor of ancestors) scope = await this.enter(scope, Buffer.from(ancestor));
    return scope;
  }

  /** The scope inside `folder` (its path as bytes): the enclosing scope plus the folder's own .gitignore, if any. */
  async enter(scope: GitignoreScope, folder: Buffer): Promise<GitignoreScope> {
    if (!this.respectGitignore) return scope;
    const file = Buffer.concat([folder, Buffer.from('/.gitignore')]);
    let text: string;
    try {
      // Like git, read only a regular file: a FIFO named .gitignore would block the read forever.
      if (!(await lstat(file)).isFile()) return scope;
      text = await readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') this.onUnreadable(displayName(file), `could not be read (${code}), so its rules were not applied`);
      return scope;
    }
    return [...scope, { folder: displayName(folder), rules: ignore().add(text) }];
  }

  /** Whether any rule matches paths below the designated folder: if not, the walk need not build them. */
  get matchesPathsInItem(): boolean {
    return this.planRules !== undefined;
  }

  /** Whether anything in `scope` can be excluded at all, so the walk can skip asking entry by entry. */
  mayExclude(scope: GitignoreScope): boolean {
    return this.planRules !== undefined || scope.length > 0;
  }

  /**
   * `pathInItem` is the '/'-separated path below the designated folder being walked. Rules are text, so names
   * are matched as UTF-8, a name that is not valid UTF-8 with U+FFFD for its invalid bytes.
   */
  isExcluded(scope: GitignoreScope, sourcePath: Buffer, pathInItem: string, isFolder: boolean): boolean {
    const suffix = isFolder ? '/' : '';
    if (this.planRules?.ignores(pathInItem + suffix)) return true;
    const path = scope.length > 0 ? displayName(sourcePath) : '';
    for (let level = scope.length - 1; level >= 0; level--) {
      const { folder, rules } = scope[level]!;
      const verdict = rules.test(relative(folder, path).split(sep).join('/') + suffix);
      if (verdict.ignored) return true;
      if (verdict.unignored) return false;
    }
    return false;
  }
}

async function findRepositoryRoot(folder: string): Promise<string | undefined> {
  for (let at = folder; ; at = dirname(at)) {
    try {
      await lstat(join(at, '.git'));
      return at;
    } catch {
      // not a repository root; look further up
    }
    if (dirname(at) === at) return undefined;
  }
}
