/**
 * A file's versions as the plan's snapshots hold them, read from the
 * snapshots' trees (no file content is fetched). Snapshots in a row holding
 * the same content are one version, shown at the newest of them and
 * restored from it.
 */
import { stat } from 'node:fs/promises';
import type { App, ListedSnapshot } from '../../core/app';
import type { PlanPath } from './plan-path';

/** How many of the plan's snapshots a history reads, the newest. */
export const historyDepth = 30;

export interface FileVersion {
  /** The newest snapshot holding this version, the one it is restored from. */
  snapshot: ListedSnapshot;
  /** Snapshots in a row holding it. */
  snapshots: number;
  size: number;
  /** Size and modification time equal the working copy's, as a backup would judge it unchanged. */
  sameAsWorkingCopy: boolean;
}

/** Newest first; snapshots that do not hold the path as a file are left out. */
export async function fileVersions(app: App, at: PlanPath, localPath: string, signal?: AbortSignal): Promise<FileVersion[]> {
  const held = await app.snapshots.versionsOf({ plan: at.plan.name, path: at.archivePath, newest: historyDepth, signal });
  const working = await stat(localPath).then(
    (stats) => (stats.isFile() ? { size: stats.size, mtimeMs: stats.mtimeMs } : undefined),
    () => undefined, // deleted: every version differs from it
  );
  const versions: FileVersion[] = [];
  let previous: string | undefined;
  for (const { snapshot, version } of held) {
    if (version?.type !== 'file') {
      previous = undefined;
      continue;
    }
    if (version.fingerprint === previous) {
      versions[versions.length - 1].snapshots += 1;
      continue;
    }
    previous = version.fingerprint;
    versions.push({ snapshot, snapshots: 1, size: version.size, sameAsWorkingCopy: working?.size === version.size && sameMillisecond(working.mtimeMs, version.mtimeMs) });
  }
  return versions;
}

/** The tree keeps whole milliseconds, and a copy that preserves times can land a hair either side of one. */
function sameMillisecond(onDisk: number, inTree: number): boolean {
  return Math.abs(onDisk - inTree) < 1;
}
