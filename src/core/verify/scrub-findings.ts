/** The teammate's scrub report as damage to the plan's snapshots: each snapshot that depends on a damaged pack, or whose chunks could not even be listed. */
import type { DamagedSnapshot } from '../store';
import type { ScrubAnswer } from '../transfer/chunk-client';

export function scrubFindings(report: ScrubAnswer, snapshotIds: ReadonlySet<string>): DamagedSnapshot[] {
  return report.snapshots
    .filter((snapshot) => snapshotIds.has(snapshot.snapshotId) && (snapshot.damagedPacks.length > 0 || snapshot.problem !== undefined))
    .map((snapshot) => ({
      snapshotId: snapshot.snapshotId,
      problem:
        snapshot.damagedPacks.length > 0
          ? `the teammate's pack${snapshot.damagedPacks.length === 1 ? '' : 's'} ${snapshot.damagedPacks.join(', ')} no longer match${snapshot.damagedPacks.length === 1 ? 'es its' : ' their'} SHA-256`
          : `the teammate cannot list its chunks: ${snapshot.problem}`,
    }));
}
