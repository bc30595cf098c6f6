/**
 * What one snapshot costs against its sender's quota: its archive's bytes
 * plus a fixed allowance for its receipt and the file system's overhead, so
 * that a flood of tiny or empty uploads cannot fill the disk for free.
 */
export const perSnapshotOverheadBytes = 4096;

export function snapshotCharge(archiveBytes: number): number {
  return archiveBytes + perSnapshotOverheadBytes;
}
