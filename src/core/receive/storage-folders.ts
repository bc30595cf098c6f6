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
import { packSuffix, snapshotSuffix, StoreLayout } from './chunk-store/store-layout';
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

/**
 * Quota charged per sender: its archive snapshots and its chunked store's
 * packs and snapshot files. Reads only, so it is safe beside a running
 * receiver (a pack being published may be counted a moment early or late).
 */
export async function usageBySender(dir: string): Promise<Map<string, number>> {
  const usage = new Map<string, number>();
  for (const sender of await senderFolders(dir)) {
    usage.set(sender, (await scanSenderFolder(join(dir, sender))).chargedBytes + (await chunkedStoreBytes(new StoreLayout(dir, sender))));
  }
  return usage;
}

/** The bytes of a sender's published packs and snapshot files. */
async function chunkedStoreBytes(layout: StoreLayout): Promise<number> {
  let total = await bytesOf(layout.snapshotsDir, snapshotSuffix);
  for (const shard of await namesIn(layout.packsDir)) total += await bytesOf(join(layout.packsDir, shard), packSuffix);
  return total;
}

async function bytesOf(folder: string, suffix: string): Promise<number> {
  let total = 0;
  for (const name of await namesIn(folder)) if (name.endsWith(suffix)) total += (await stat(join(folder, name))).size;
  return total;
}

async function namesIn(folder: string): Promise<string[]> {
  try {
    return await readdir(folder);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
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
