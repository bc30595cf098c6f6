/** A committed snapshot's file, `snapshots/<id>.json`: the sender's signed manifest and the receipt this receiver signed for it. */
import { readdir, readFile } from 'node:fs/promises';
import * as z from '../../schema';
import { receiptSchema, type Receipt } from '../../wire/receipt';
import { openStatement, type SignedStatement } from '../../wire/signing';
import { snapshotSuffix, type StoreLayout } from './store-layout';

const signedSchema = z.object({ statement: z.string(), signature: z.string() });
const snapshotFileSchema = z.object({ manifest: signedSchema, receipt: signedSchema });

export interface CommittedSnapshot {
  manifest: SignedStatement;
  /** The receipt as signed. */
  signed: SignedStatement;
  receipt: Receipt;
  /** The file's bytes, charged to the sender's quota. */
  fileBytes: number;
}

export function snapshotFileText(manifest: SignedStatement, receipt: SignedStatement): string {
  return JSON.stringify({ manifest, receipt });
}

/** The committed snapshot, if its file is there and holds a receipt `receiverKey` signed. */
export async function readSnapshotFile(layout: StoreLayout, snapshotId: string, receiverKey: Buffer): Promise<CommittedSnapshot | undefined> {
  let text: string;
  try {
    text = await readFile(layout.snapshotPath(snapshotId), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let parsed;
  try {
    parsed = snapshotFileSchema.safeParse(JSON.parse(text));
  } catch {
    return undefined;
  }
  if (!parsed.success) return undefined;
  const receipt = receiptSchema.safeParse(openStatement(parsed.data.receipt, receiverKey));
  if (!receipt.success || receipt.data.version !== 2) return undefined;
  return { manifest: parsed.data.manifest, signed: parsed.data.receipt, receipt: receipt.data, fileBytes: Buffer.byteLength(text) };
}

/** Every committed snapshot of the store, oldest first. */
export async function readSnapshotFiles(layout: StoreLayout, receiverKey: Buffer): Promise<CommittedSnapshot[]> {
  const names = await readdir(layout.snapshotsDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  const ids = names.filter((name) => name.endsWith(snapshotSuffix)).map((name) => name.slice(0, -snapshotSuffix.length));
  const found = await Promise.all(ids.map((id) => readSnapshotFile(layout, id, receiverKey)));
  return found.filter((snapshot): snapshot is CommittedSnapshot => snapshot !== undefined).sort((a, b) => a.receipt.storedAt - b.receipt.storedAt);
}
