/**
 * The walk's entries, each file already looked at (file-looker.ts): the
 * entries come in groups of at most `groupEntries`, and the files of the
 * next `groupsAhead` groups are being looked at while a group is used, so
 * the looking thread and the backup's own thread work side by side. Memory
 * holds at most those groups' small-file content: a group's content is
 * released (release-buffer.ts) when the next group is asked for, so the
 * caller copies what it keeps before.
 */
import type { FoundEntry } from '../pack/source-walk';
import { cacheKey, type CachedFile } from '../store';
import { releaseBuffer } from '../util/release-buffer';
import type { FileLook, FileLooker, FileToLook, GroupLooks } from './file-looker';

type FileFound = Extract<FoundEntry, { kind: 'file' }>;

/** A file of the walk, its cache key, what the file cache holds for it and what the look found. */
export interface LookedFile {
  found: FileFound;
  key: string;
  cached: CachedFile | undefined;
  look: FileLook;
}

export type LookedEntry = { found: Exclude<FoundEntry, FileFound> } | LookedFile;

/** Where the walk finds what the file cache holds for a file (LoadedFileCache). */
export interface CachedFiles {
  get(key: string): CachedFile | undefined;
}

const groupEntries = 128;
const groupsAhead = 2;

export async function* lookedAtWalk(walk: AsyncIterable<FoundEntry[]>, cache: CachedFiles, looker: FileLooker): AsyncGenerator<LookedEntry[]> {
  const ahead: Promise<LookedGroup>[] = [];
  const batches = walk[Symbol.asyncIterator]();
  // The walk goes on to its next batch at once, so its folder listings are not waited for once a batch is used up.
  let nextBatch = batches.next();
  nextBatch.catch(() => undefined);
  try {
    for (;;) {
      const next = await nextBatch;
      if (next.done) break;
      const batch = next.value;
      nextBatch = batches.next();
      nextBatch.catch(() => undefined);
      for (let start = 0; start < batch.length; start += groupEntries) {
        const group = lookAtGroup(batch.slice(start, start + groupEntries), cache, looker);
        // Awaited in its turn below; until then a failure must not count as unhandled.
        group.catch(() => undefined);
        ahead.push(group);
        if (ahead.length > groupsAhead) yield* used(await ahead.shift()!);
      }
    }
    while (ahead.length > 0) yield* used(await ahead.shift()!);
  } finally {
    // Nothing is left being looked at, so the caller may stop the looking thread.
    await Promise.allSettled(ahead);
    await batches.return?.(undefined);
  }
}

/** A group as looked at: each file's look is made only when the group is used, so looks waiting their turn are a few typed arrays, not objects. */
interface LookedGroup {
  group: readonly FoundEntry[];
  /** Per file of the group, in order: its cache key and what the file cache holds for it. */
  keys: string[];
  cached: (CachedFile | undefined)[];
  looks: GroupLooks;
}

/** Yields the group's entries, then, once the caller asks for more, releases their content. */
function* used({ group, keys, cached, looks }: LookedGroup): Generator<LookedEntry[]> {
  let next = 0;
  yield group.map((found): LookedEntry => {
    if (found.kind !== 'file') return { found };
    const index = next++;
    return { found, key: keys[index]!, cached: cached[index], look: looks.lookAt(index) };
  });
  for (const block of looks.blocks) releaseBuffer(new Uint8Array(block));
}

async function lookAtGroup(group: readonly FoundEntry[], cache: CachedFiles, looker: FileLooker): Promise<LookedGroup> {
  const keys: string[] = [];
  const cached: (CachedFile | undefined)[] = [];
  const toLook: FileToLook[] = [];
  for (const found of group) {
    if (found.kind !== 'file') continue;
    const key = cacheKey(found.sourcePath);
    const file = cache.get(key);
    keys.push(key);
    cached.push(file);
    toLook.push({ path: found.sourcePath, stamp: file });
  }
  return { group, keys, cached, looks: await looker.look(toLook) };
}
