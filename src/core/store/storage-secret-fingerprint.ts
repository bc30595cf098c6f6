/**
 * The fingerprint of the storage secret this database first stored chunks
 * under. Only one is ever recorded: a different secret later means the one
 * that makes the stored backups readable was lost or replaced.
 */
import type { Database } from './database';

export class StorageSecretFingerprintStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<string | undefined> {
    return (await this.db.get<{ fingerprint: string }>('SELECT fingerprint FROM storage_secret WHERE id = 1'))?.fingerprint;
  }

  /** Records `fingerprint` unless one is recorded already; returns the one recorded, whichever it is. */
  async recordFirst(fingerprint: string): Promise<string> {
    return this.db.transaction(async (tx) => {
      await tx.run('INSERT OR IGNORE INTO storage_secret (id, fingerprint, recorded_at) VALUES (1, ?, ?)', [fingerprint, this.now()]);
      return (await tx.get<{ fingerprint: string }>('SELECT fingerprint FROM storage_secret WHERE id = 1'))!.fingerprint;
    });
  }
}
