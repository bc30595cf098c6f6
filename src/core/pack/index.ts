/** Packing designated paths into an archive, and extracting one safely. */
export { packArchive, type PackHandle, type PackOptions, type PackProgress, type PackReport } from './pack-archive';
export { manifestArchivePath, manifestFormat, type Manifest, type ManifestEntry } from './manifest';
export { extractArchive, defaultExtractLimits, type ExtractLimits, type ExtractOptions, type ExtractReport } from './extract';
export { packToFile, type PackFileReport, type PackToFileOptions } from './pack-to-file';
