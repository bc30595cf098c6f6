/** Restoring and exporting snapshots of the chunked store (format version 2). */
export type { ChunkSource, StoredChunk } from './chunk-source';
export { defaultReadLimits, type ReadableSnapshot, type ReadLimits } from './readable-snapshot';
export type { Selection } from './selection';
export { openListedManifest, type ListedManifest } from './listed-manifest';
export { restoreToFolder, type RestoreOptions, type RestoreReport } from './restore-to-folder';
export { exportArchive, type ExportOptions, type ExportReport } from './export-archive';
export { countedSource } from './counted-source';
export { findPathVersion, type PathVersion } from './path-versions';
