/** The receiving side of a backup: where teammates' snapshots are kept, within their quotas. */
export { SnapshotStorage, snapshotIdPattern, type SaveRequest, type StorageCleanUp, type StoredSnapshot } from './snapshot-storage';
export { isDiskFull } from './disk-full';
export { snapshotCharge } from './snapshot-charge';
export { lockStorage, type StorageLock } from './storage-lock';
export { usageBySender } from './storage-folders';
