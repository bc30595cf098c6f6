/**
 * What one archive snapshot (stored by 0.1) costs against its sender's
 * quota: its archive's bytes plus a fixed allowance for its receipt and the
 * file system's overhead, as 0.1 charged it when it was uploaded.
 */
export const perSnapshotOverheadBytes = 4096;

export function snapshotCharge(archiveBytes: number): number {
  return archiveBytes + perSnapshotOverheadBytes;
}
