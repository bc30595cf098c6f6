/**
 * Archive snapshots (format 1) as Peer Backup 0.1 left them, for the tests
 * of restoring them now that no sender makes them: the archive is made by
 * the real `peer-backup pack` command, and its receipt is signed with the
 * receiver home's own key; both go into the receiver's storage folder, from
 * where the running receiver serves them. The sender's record of the run is
 * what 0.1 wrote when the teammate confirmed it, so a restore has it to
 * check the teammate's copy against.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyFileName } from '../../src/core/identity/key-file';
import { identityFromPem } from '../../src/core/identity/keys';
import { openStore } from '../../src/core/store';
import type { Receipt } from '../../src/core/wire/receipt';
import { signStatement, type SignedStatement } from '../../src/core/wire/signing';
import { runCliJson } from './cli';

export interface ArchiveSnapshot {
  snapshotId: string;
  /** The archive in the receiver's storage folder. */
  archive: string;
  /** The receipt file beside it. */
  receiptFile: string;
  receipt: Receipt;
  signed: SignedStatement;
  /** What the pack command reported: files, and the content bytes the archive holds. */
  files: number;
  contentBytes: number;
}

export interface ArchiveOptions {
  senderHome: string;
  /** A plan of the sender's home, packed as it is now. */
  plan: string;
  receiverHome: string;
  snapshotId?: string;
  storedAt?: number;
}

/** Packs the plan and stores it in the receiver's storage as 0.1's receiver did on upload. */
export async function storeArchiveSnapshot(options: ArchiveOptions): Promise<ArchiveSnapshot> {
  const snapshotId = options.snapshotId ?? '20240601T120000Z-1-a1b2c3';
  const sender = identityFromPem(readFileSync(join(options.senderHome, keyFileName), 'utf8'));
  const receiver = identityFromPem(readFileSync(join(options.receiverHome, keyFileName), 'utf8'));
  const folder = join(options.receiverHome, 'storage', sender.peerId);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const archive = join(folder, `${snapshotId}.tar.gz`);
  const packed = await runCliJson<{ archiveBytes: number; bytes: number; files: number }>(['--home', options.senderHome, 'pack', options.plan, '--out', archive]);
  const receipt: Receipt = {
    version: 1,
    snapshotId,
    plan: options.plan,
    sender: sender.peerId,
    receiver: receiver.peerId,
    size: packed.archiveBytes,
    sha256: createHash('sha256').update(readFileSync(archive)).digest('hex'),
    storedAt: options.storedAt ?? Date.parse('2024-06-01T12:00:00Z'),
  };
  const signed = signStatement(receiver, receipt);
  const receiptFile = join(folder, `${snapshotId}.receipt.json`);
  writeFileSync(receiptFile, JSON.stringify(signed), { mode: 0o600 });
  return { snapshotId, archive, receiptFile, receipt, signed, files: packed.files, contentBytes: packed.bytes };
}

/** Records in the sender's history the run that made `snapshot`, with the receipt the teammate signed, as 0.1 did. */
export async function recordArchiveRun(senderHome: string, snapshot: ArchiveSnapshot): Promise<void> {
  const store = await openStore(join(senderHome, 'peer-backup.db'));
  try {
    const plan = await store.plans.get(snapshot.receipt.plan);
    const runId = await store.runs.start(plan.id);
    await store.runs.finish(runId, {
      status: 'succeeded',
      files: snapshot.files,
      bytes: snapshot.receipt.size,
      contentBytes: snapshot.contentBytes,
      snapshotId: snapshot.snapshotId,
      receipt: snapshot.signed,
    });
  } finally {
    await store.close();
  }
}
