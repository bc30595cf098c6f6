/** Opens the originating database: connection, schema, and one store per table group. */
import { AllowedSenderStore } from './allowed-senders';
import { Database } from './database';
import { DestinationStore } from './destinations';
import { FileCacheStore } from './file-cache';
import { LeaseStore } from './leases';
import { migrate } from './migrations';
import { PlanStore } from './plans';
import { RecoveryKitCopyStore } from './recovery-kit-copies';
import { RetentionPolicyStore } from './retention-policies';
import { RunStore } from './runs';
import { SeenNonceStore } from './seen-nonces';
import { SenderSnapshotLimitStore } from './sender-snapshot-limits';
import { StorageSecretFingerprintStore } from './storage-secret-fingerprint';
import { VerificationStore } from './verifications';

/** The database's tables, each behind its own store; the connection itself stays private. */
export interface Store {
  /** The database file, for messages. */
  readonly file: string;
  readonly plans: PlanStore;
  readonly runs: RunStore;
  readonly destinations: DestinationStore;
  readonly allowedSenders: AllowedSenderStore;
  readonly seenNonces: SeenNonceStore;
  readonly leases: LeaseStore;
  readonly fileCache: FileCacheStore;
  readonly storageSecretFingerprint: StorageSecretFingerprintStore;
  readonly recoveryKitCopies: RecoveryKitCopyStore;
  readonly retentionPolicies: RetentionPolicyStore;
  readonly verifications: VerificationStore;
  readonly senderSnapshotLimits: SenderSnapshotLimitStore;
  close(): Promise<void>;
}

export async function openStore(file: string, now: () => number = Date.now): Promise<Store> {
  const db = await Database.open(file);
  try {
    await migrate(db);
    const runs = new RunStore(db, now);
    await runs.markOrphansInterrupted();
    return {
      file,
      plans: new PlanStore(db, now),
      runs,
      destinations: new DestinationStore(db, now),
      allowedSenders: new AllowedSenderStore(db, now),
      seenNonces: new SeenNonceStore(db, now),
      leases: new LeaseStore(db, now),
      fileCache: new FileCacheStore(db),
      storageSecretFingerprint: new StorageSecretFingerprintStore(db, now),
      recoveryKitCopies: new RecoveryKitCopyStore(db, now),
      retentionPolicies: new RetentionPolicyStore(db),
      verifications: new VerificationStore(db),
      senderSnapshotLimits: new SenderSnapshotLimitStore(db),
      close: () => db.close(),
    };
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}

export type { Plan, PlanItem, NewPlan, PlanChanges } from './plans';
export type { Run, RunStatus, RunOutcome, SkippedPath } from './runs';
export type { Destination } from './destinations';
export type { Lease } from './leases';
export type { AllowedSender } from './allowed-senders';
export type { DamagedSnapshot, Verification, VerificationStatus } from './verifications';
export { cacheKey, LoadedFileCache, type CachedFile, type FileCacheWriter, type FileStamp, type StagedCache } from './file-cache';
