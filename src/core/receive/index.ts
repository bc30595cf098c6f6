/** The receiving side of a backup: where teammates' snapshots are kept, within their quotas. */
export { SnapshotStorage, snapshotIdPattern, type SaveRequest, type StorageCleanUp, type StoredSnapshot } from './snapshot-storage';
export { usageBySender } from './storage-folders';
