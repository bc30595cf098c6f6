/** The receiving side of a backup: where teammates' snapshots are kept, within their quotas: the chunked store, and the archives 0.1 stored. */
export { SnapshotStorage, snapshotIdPattern, type StorageCleanUp, type StoredSnapshot } from './snapshot-storage';
export { isDiskFull } from './disk-full';
export { lockStorage, type StorageLock } from './storage-lock';
export { usageBySender } from './storage-folders';
export { defaultReceiverLimits, receiverLimitsFromEnv, type ReceiverLimits } from './receiver-limits';
export { clientCertificate, refuseClient } from './client-certificate';
export { storageRefusalCode } from './storage-refusal';
export { QuotaExceeded, SpaceLedger } from './space-ledger';
export { kitOpenRequestSchema, kitUploadSchema, maxKitBodyBytes } from '../recovery/kit-protocol';
export { ChunkStore, type ChunkStoreCleanUp, type CommitOutcome, type DeletedSnapshot, type ListedSnapshot, type PackRequest, type StoredPack } from './chunk-store/chunk-store';
export type { ScrubReport, ScrubbedSnapshot } from './chunk-store/scrub';

// What the receiver's HTTP adapter needs besides the storage: the wire protocol it answers in,
// and the pieces it is started with. It enters the core through this file only (a lint rule).
export { UserError } from '../errors';
export type { Identity } from '../identity/keys';
export { Announcer } from '../registry/announcer';
export { RegistryClient } from '../registry/registry-client';
export type { PeerAddress } from '../registry/protocol';
export { mapPort, type PortMapping, type PortMappingOutcome } from '../port-mapping';
export type * as z from '../schema';
export type { AllowedSender, Store } from '../store';
export { helloRequestSchema, type HelloReply } from '../wire/hello';
export type { ReceiverErrorCode } from '../wire/receiver-error-codes';
export { chunkIdPattern, commitRequestSchema, maxJsonBodyBytes, maxPackBytes, missingQuestionSchema, readQuestionSchema } from '../wire/chunk-protocol';
export { checkSignedRequest, emptySha256, headers, protocolVersion } from '../wire/signing';
export { tlsCredentialsOf, type TlsCredentials } from '../wire/tls-certificate';
