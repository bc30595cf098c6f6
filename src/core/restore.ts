/**
 * Listing a teammate's copies of our snapshots, and bringing one back:
 * download to the spool while hashing, check it against the receipt the
 * teammate signed, and only then extract it (as hostile input) into the
 * folder the user chose.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UserError } from './errors';
import { extractArchive, type ExtractReport } from './pack';
import type { RunnerContext } from './runner';
import type { Store } from './store';
import type { Receipt } from './transfer/receipt';
import { connectToPeer } from './transfer/connect';

/** The peers this machine backs up to: destinations and every plan's destination. */
export async function knownPeers(store: Store): Promise<string[]> {
  const peers = new Set((await store.destinations.list()).map((destination) => destination.peerId));
  for (const plan of await store.plans.list()) if (plan.destination) peers.add(plan.destination);
  return [...peers];
}

/** Receipts of our snapshots held by `peerId`, oldest first. */
export async function listSnapshots(context: RunnerContext, peerId: string): Promise<Receipt[]> {
  const { client, peer } = await connectToPeer(context, peerId);
  return client.listSnapshots(peer);
}

/** Which peer holds a snapshot, from this machine's run history. */
export async function holderOf(store: Store, snapshotId: string): Promise<string | undefined> {
  const row = await store.db.get<{ destination: string | null }>(
    'SELECT plans.destination AS destination FROM runs JOIN plans ON plans.id = runs.plan_id WHERE runs.snapshot_id = ?',
    [snapshotId],
  );
  return row?.destination ?? undefined;
}

export async function restoreSnapshot(
  context: RunnerContext,
  request: { peerId: string; snapshotId: string; targetDir: string; overwrite: boolean; signal?: AbortSignal },
): Promise<{ receipt: Receipt; extracted: ExtractReport }> {
  const { client, peer } = await connectToPeer(context, request.peerId);
  const receipt = (await client.listSnapshots(peer, request.signal)).find((each) => each.snapshotId === request.snapshotId);
  if (!receipt) throw new UserError(`${request.peerId} holds no snapshot "${request.snapshotId}" of ours; "peer-backup snapshots" lists what it holds.`);

  await mkdir(context.spoolDir, { recursive: true, mode: 0o700 });
  const spoolFile = join(context.spoolDir, `restore-${randomBytes(6).toString('hex')}.tar.gz`);
  try {
    const hash = createHash('sha256');
    let size = 0;
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    await pipeline(await client.download(peer, request.snapshotId, request.signal), hashing, createWriteStream(spoolFile, { mode: 0o600 }));
    const sha256 = hash.digest('hex');
    if (size !== receipt.size || sha256 !== receipt.sha256) {
      throw new UserError(`snapshot ${request.snapshotId} arrived damaged (${size} bytes, SHA-256 ${sha256}; the receipt says ${receipt.size} bytes, ${receipt.sha256}); nothing was restored`);
    }
    const extracted = await extractArchive(createReadStream(spoolFile), request.targetDir, { overwrite: request.overwrite });
    return { receipt, extracted };
  } finally {
    await rm(spoolFile, { force: true });
  }
}
