/**
 * Reading a receiver's storage folder: one folder per sender, holding its
 * chunked store under `v2/` (chunk-store/store-layout.ts) and the archive
 * snapshots 0.1 stored, each an archive `<id>.tar.gz` beside its signed
 * receipt `<id>.receipt.json`. An archive snapshot exists only once both
 * are in place, so the folder alone says what is stored (a lost database
 * can be rebuilt from it).
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { snapshotCharge } from './snapshot-charge';

export const archiveName = (snapshotId: string): string => `${snapshotId}.tar.gz`;
export const receiptName = (snapshotId: string): string => `${snapshotId}.receipt.json`;

export interface SenderFolderScan {
  /** What the snapshots that have both files charge against the quota (snapshotCharge). */
  chargedBytes: number;
  /**
   * Archives without a receipt and half-written temp files (what a crash
   * leaves), and receipts without an archive (the archive was deleted).
   */
  leftovers: string[];
}

/** Quota charged per sender for its complete snapshots; reads only, so it is safe beside a running receiver. */
export async function usageBySender(dir: string): Promise<Map<string, number>> {
  const usage = new Map<string, number>();
  for (const sender of await senderFolders(dir)) usage.set(sender, (await scanSenderFolder(join(dir, sender))).chargedBytes);
  return usage;
}

/** One read of a sender's folder. */
export async function scanSenderFolder(folder: string): Promise<SenderFolderScan> {
  const names = new Set(await readdir(folder));
  let chargedBytes = 0;
  const leftovers: string[] = [];
  for (const name of names) {
    if (name.endsWith('.part')) leftovers.push(name);
    if (name.endsWith('.receipt.json') && !names.has(archiveName(name.slice(0, -'.receipt.json'.length)))) leftovers.push(name);
    if (!name.endsWith('.tar.gz')) continue;
    if (names.has(receiptName(name.slice(0, -'.tar.gz'.length)))) chargedBytes += snapshotCharge((await stat(join(folder, name))).size);
    else leftovers.push(name);
  }
  return { chargedBytes, leftovers };
}

/** The senders with a folder here; hidden folders (the temp folder) are not senders. */
export async function senderFolders(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith('.')).map((entry) => entry.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
