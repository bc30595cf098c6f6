/**
 * Where a sender's chunked store lives, under `storage/<sender>/v2/`:
 *
 *     packs/<first two hex digits>/<packId>.tar
 *     packs/<first two hex digits>/<packId>.idx   its entries (JSON lines)
 *     snapshots/<snapshotId>.json                 {manifest, receipt}
 *     recovery-kit.json                           the sender's sealed recovery kit
 *     .tmp/                                       uploads in progress
 */
import { join } from 'node:path';

export const packSuffix = '.tar';
export const indexSuffix = '.idx';
export const snapshotSuffix = '.json';

export class StoreLayout {
  constructor(
    /** The receiver's storage folder (one folder per sender). */
    readonly storageDir: string,
    readonly sender: string,
  ) {}

  get root(): string {
    return join(this.storageDir, this.sender, 'v2');
  }

  get packsDir(): string {
    return join(this.root, 'packs');
  }

  get snapshotsDir(): string {
    return join(this.root, 'snapshots');
  }

  get tempDir(): string {
    return join(this.root, '.tmp');
  }

  get kitPath(): string {
    return join(this.root, 'recovery-kit.json');
  }

  packFolder(packId: string): string {
    return join(this.packsDir, packId.slice(0, 2));
  }

  packPath(packId: string): string {
    return join(this.packFolder(packId), `${packId}${packSuffix}`);
  }

  indexPath(packId: string): string {
    return join(this.packFolder(packId), `${packId}${indexSuffix}`);
  }

  snapshotPath(snapshotId: string): string {
    return join(this.snapshotsDir, `${snapshotId}${snapshotSuffix}`);
  }
}
