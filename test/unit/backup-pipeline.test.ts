import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readdirSync, readFileSync, symlinkSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { BackupFigures } from '../../src/core/backup/backup-progress';
import { runChunkedBackup } from '../../src/core/backup/chunked-backup';
import { deriveChunkKeys, generateStorageSecret } from '../../src/core/chunk/chunk-keys';
import { UserError } from '../../src/core/errors';
import { generateIdentity } from '../../src/core/identity/keys';
import { openStore } from '../../src/core/store';
import { Database } from '../../src/core/store/database';
import { FolderDestination } from '../helpers/folder-destination';
import { seededBytes } from '../helpers/seeded-bytes';
import { tempDir } from '../helpers/temp';

async function setUp(t: TestContext, workspace?: string) {
  const root = tempDir(t);
  const ws = workspace ?? join(root, 'ws');
  mkdirSync(ws, { recursive: true });
  const spool = join(root, 'spool');
  const received = join(root, 'received');
  mkdirSync(spool);
  mkdirSync(received);
  const store = await openStore(join(root, 'peer-backup.db'));
  t.after(() => store.close());
  const identity = generateIdentity();
  const keys = deriveChunkKeys(generateStorageSecret());
  const destination = new FolderDestination(received, identity.publicKey);
  await store.plans.create({ name: 'nightly', destination: destination.identity.peerId, schedule: 'manual', excludes: [], items: [{ sourcePath: ws, archivePath: 'ws' }] });
  let runs = 0;
  const backUp = async () => {
    const plan = await store.plans.get('nightly');
    const updates: BackupFigures[] = [];
    const result = await runChunkedBackup({
      store,
      plan: { ...plan, destination: plan.destination! },
      snapshotId: `snap-${++runs}`,
      identity,
      keys,
      destination,
      packPathPrefix: join(spool, `run-${runs}-pack-`),
      onProgress: (figures) => updates.push(figures),
    });
    assert.deepEqual(readdirSync(spool), [], 'no pack is left in the spool');
    return { ...result, updates, snapshotId: `snap-${runs}` };
  };
  return { ws, root, store, keys, destination, backUp };
}

/** Entries of every pack received since `from`, data and tree chunks apart from reference chunks. */
function entriesSince(destination: FolderDestination, from: number) {
  const names = destination.packs.slice(from).flatMap((pack) => pack.names);
  return { sealed: names.filter((name) => !name.endsWith('.r')), references: names.filter((name) => name.endsWith('.r')) };
}

test('a first run stores every file, folder and symlink, in packs GNU tar reads, and the tree gives back the content', async (t) => {
  const { ws, keys, destination, backUp } = await setUp(t);
  mkdirSync(join(ws, 'src', 'deeper'), { recursive: true });
  writeFileSync(join(ws, 'src', 'main.ts'), 'export const answer = 42;\n');
  const big = randomBytes(3 * 1024 * 1024 + 17);
  writeFileSync(join(ws, 'src', 'deeper', 'big.bin'), big);
  writeFileSync(join(ws, 'empty'), '');
  symlinkSync('src/main.ts', join(ws, 'link'));
  execFileSync('mkfifo', [join(ws, 'pipe')]);

  const result = await backUp();
  assert.equal(result.files, 3);
  assert.equal(result.contentBytes, big.length + 26);
  assert.deepEqual(
    result.skipped.map((each) => each.path),
    [join(ws, 'pipe')],
  );
  assert.match(result.skipped[0]!.reason, /FIFO/);
  assert.equal(result.receipt.version, 2);
  assert.equal(result.figures.unchangedFiles, 0);

  const tree = destination.treeOf(result.snapshotId, keys);
  assert.deepEqual(
    tree.map((entry) => `${entry.type} ${entry.path.toString()}`),
    ['directory ws', 'file ws/empty', 'symlink ws/link', 'directory ws/src', 'directory ws/src/deeper', 'file ws/src/deeper/big.bin', 'file ws/src/main.ts'],
  );
  const bigEntry = tree.find((entry) => entry.path.toString() === 'ws/src/deeper/big.bin');
  assert.ok(bigEntry?.type === 'file' && bigEntry.chunks.length >= 2);
  assert.ok(destination.contentOf(bigEntry, keys).equals(big));
  const link = tree.find((entry) => entry.type === 'symlink');
  assert.equal(link?.type === 'symlink' && link.target.toString(), 'src/main.ts');

  for (const pack of destination.packs) {
    const listing = execFileSync('tar', ['-tvf', pack.file, '--numeric-owner'], { encoding: 'utf8' }).trim().split('\n');
    assert.equal(listing.length, pack.names.length);
    for (const line of listing) assert.match(line, /^-rw------- 0\/0 +\d+ 1970-01-01 00:00 [0-9a-f]{64}(\.r)?$/);
  }
});

test('a second run with nothing changed reads no file and sends nothing', async (t) => {
  const { ws, destination, backUp } = await setUp(t);
  for (let i = 0; i < 20; i++) writeFileSync(join(ws, `file-${i}.txt`), `content ${i}\n`.repeat(1000 * i));
  const first = await backUp();
  const packsBefore = destination.packs.length;
  const askedBefore = destination.asked.length;

  const second = await backUp();
  assert.equal(second.files, 20);
  assert.equal(second.figures.unchangedFiles, 20, 'every file was known unchanged, so none was opened');
  assert.equal(second.figures.unchangedBytes, first.contentBytes);
  assert.equal(second.figures.newBytes, 0);
  assert.equal(second.figures.sentBytes, 0);
  assert.equal(destination.packs.length, packsBefore, 'no pack was sent');
  assert.ok(destination.asked.length - askedBefore <= 2, 'only the tree and reference chunks were asked about');
  assert.equal(second.contentBytes, first.contentBytes);
  assert.ok(second.updates.at(-1)!.examined);
});

test('one changed 1 MiB region in a 64 MiB file sends a few chunks, not the file', async (t) => {
  const { ws, keys, destination, backUp } = await setUp(t);
  const path = join(ws, 'disk.img');
  // Seeded, so the cut points, and how soon they fall back in step after the region, are the same in every run:
  // over random content that takes 1 to 10 chunks (median 2 in 30 tries).
  const content = seededBytes(64 * 1024 * 1024, 64);
  writeFileSync(path, content);
  const first = await backUp();
  assert.ok(first.figures.sentBytes > 64 * 1024 * 1024, 'the first run sends all of it');
  const packsBefore = destination.packs.length;

  const region = seededBytes(1024 * 1024, 1);
  const handle = openSync(path, 'r+');
  writeSync(handle, region, 0, region.length, 40 * 1024 * 1024);
  closeSync(handle);
  region.copy(content, 40 * 1024 * 1024);

  const second = await backUp();
  const { sealed } = entriesSince(destination, packsBefore);
  const treeChunks = destination.snapshots.get(second.snapshotId)!.tree;
  const dataChunks = sealed.filter((id) => !treeChunks.includes(id));
  t.diagnostic(`${dataChunks.length} data chunks, ${second.figures.newBytes} new bytes, ${second.figures.sentBytes} bytes sent`);
  assert.ok(dataChunks.length >= 1 && dataChunks.length <= 12, `sent ${dataChunks.length} data chunks`);
  assert.ok(second.figures.newBytes < 20 * 1024 * 1024, `${second.figures.newBytes} new bytes`);
  const entry = destination.treeOf(second.snapshotId, keys).find((each) => each.type === 'file');
  assert.ok(entry?.type === 'file' && destination.contentOf(entry, keys).equals(content));
});

test('a name that is not UTF-8 is stored as its bytes', async (t) => {
  const { ws, keys, destination, backUp } = await setUp(t);
  const name = Buffer.from([0x6e, 0xe9, 0xff, 0x2e, 0x74, 0x78, 0x74]);
  writeFileSync(Buffer.concat([Buffer.from(`${ws}/`), name]), 'latin-1 name\n');
  const result = await backUp();
  const entry = destination.treeOf(result.snapshotId, keys).find((each) => each.type === 'file');
  assert.ok(entry?.type === 'file');
  assert.ok(entry.path.equals(Buffer.concat([Buffer.from('ws/'), name])));
  assert.equal(destination.contentOf(entry, keys).toString(), 'latin-1 name\n');
});

test('a designated path that is gone fails the run before anything is sent', async (t) => {
  const { root, store, destination, backUp } = await setUp(t);
  const gone = join(root, 'moved-away');
  await store.plans.setItems('nightly', [{ sourcePath: gone, archivePath: 'gone' }]);
  await assert.rejects(backUp(), (err: Error) => err instanceof UserError && err.code === 'source-missing' && err.message.includes(gone));
  assert.deepEqual(destination.asked, []);
  assert.deepEqual(destination.packs, []);
});

test('chunks the destination lost behind the cache’s back are found at commit, and the run reads everything again', async (t) => {
  const { ws, keys, destination, backUp } = await setUp(t);
  writeFileSync(join(ws, 'a.txt'), 'alpha\n');
  writeFileSync(join(ws, 'b.txt'), 'bravo\n');
  const first = await backUp();
  const lost = destination.treeOf(first.snapshotId, keys).find((entry) => entry.type === 'file' && entry.path.toString() === 'ws/b.txt');
  assert.ok(lost?.type === 'file');
  destination.forget(lost.chunks[0]!);

  const second = await backUp();
  assert.equal(second.figures.unchangedFiles, 0, 'the second pass read every file');
  assert.ok(destination.chunks.has(lost.chunks[0]!), 'the lost chunk was sent again');
  assert.equal(destination.snapshots.has(second.snapshotId), true);

  const third = await backUp();
  assert.equal(third.figures.unchangedFiles, 2, 'the cache is whole again');
});

test('a file seen changed since the cache was written is read again', async (t) => {
  const { ws, keys, destination, backUp } = await setUp(t);
  const path = join(ws, 'notes.md');
  writeFileSync(path, 'first\n');
  await backUp();
  writeFileSync(path, 'second, longer\n');
  const second = await backUp();
  assert.equal(second.figures.unchangedFiles, 0);
  const entry = destination.treeOf(second.snapshotId, keys).find((each) => each.type === 'file');
  assert.ok(entry?.type === 'file');
  assert.equal(destination.contentOf(entry, keys).toString(), 'second, longer\n');
  assert.equal(readFileSync(path, 'utf8'), 'second, longer\n');
});

test('small files share chunks: each tree line names the shared chunk and its slice, and the files come back whole', async (t) => {
  const { ws, keys, destination, backUp } = await setUp(t);
  const contents = new Map<string, Buffer>();
  for (let i = 0; i < 300; i++) {
    const content = Buffer.from(`file ${i}\n`.repeat(1 + (i % 40)));
    contents.set(`ws/f${String(i).padStart(3, '0')}.txt`, content);
    writeFileSync(join(ws, `f${String(i).padStart(3, '0')}.txt`), content);
  }
  writeFileSync(join(ws, 'empty'), '');
  const first = await backUp();
  assert.equal(first.files, 301);
  const { sealed } = entriesSince(destination, 0);
  assert.ok(sealed.length <= 3, `${sealed.length} sealed chunks for 300 small files and the tree`);

  const tree = destination.treeOf(first.snapshotId, keys);
  const files = tree.filter((entry) => entry.type === 'file' && entry.size > 0);
  assert.equal(files.length, 300);
  assert.equal(new Set(files.map((entry) => entry.type === 'file' && entry.chunks[0])).size, 1, 'one shared chunk');
  for (const entry of files) {
    assert.ok(entry.type === 'file' && entry.offset !== undefined && entry.chunks.length === 1);
    assert.ok(destination.contentOf(entry, keys).equals(contents.get(entry.path.toString())!), entry.path.toString());
  }
  const empty = tree.find((entry) => entry.path.toString() === 'ws/empty');
  assert.ok(empty?.type === 'file' && empty.chunks.length === 0 && empty.offset === undefined);
});

test('an unchanged small file keeps its slice from the cache; a changed one alone goes into a chunk of its own', async (t) => {
  const { ws, keys, destination, backUp } = await setUp(t);
  for (let i = 0; i < 50; i++) writeFileSync(join(ws, `n${i}.txt`), `note ${i}\n`);
  const first = await backUp();
  const sliceOf = (snapshotId: string, name: string) => {
    const entry = destination.treeOf(snapshotId, keys).find((each) => each.path.toString() === `ws/${name}`);
    assert.ok(entry?.type === 'file');
    return entry;
  };
  const before = sliceOf(first.snapshotId, 'n7.txt');
  writeFileSync(join(ws, 'n3.txt'), 'note 3, edited\n');

  const second = await backUp();
  assert.equal(second.figures.unchangedFiles, 49);
  assert.deepEqual(sliceOf(second.snapshotId, 'n7.txt'), before, 'the same chunk and offset, from the cache');
  const edited = sliceOf(second.snapshotId, 'n3.txt');
  assert.equal(edited.offset, undefined, 'a file alone in its chunk is stored whole');
  assert.equal(destination.contentOf(edited, keys).toString(), 'note 3, edited\n');
  assert.equal(destination.contentOf(sliceOf(second.snapshotId, 'n7.txt'), keys).toString(), 'note 7\n');

  const third = await backUp();
  assert.equal(third.figures.unchangedFiles, 50, 'slices survive a round trip through the file cache');
  assert.equal(third.figures.sentBytes, 0);
});

test('a pass that reads every file again makes the same shared chunks, so only what the destination lost is sent', async (t) => {
  const { ws, keys, store, destination, backUp } = await setUp(t);
  for (let i = 0; i < 40; i++) writeFileSync(join(ws, `s${i}.txt`), `small ${i}\n`);
  const first = await backUp();
  const plan = await store.plans.get('nightly');
  await store.fileCache.clear(plan.id);
  const packsBefore = destination.packs.length;
  const second = await backUp();
  assert.equal(second.figures.unchangedFiles, 0);
  const shared = (snapshotId: string) => destination.treeOf(snapshotId, keys).flatMap((entry) => (entry.type === 'file' ? entry.chunks : []));
  assert.deepEqual(shared(second.snapshotId), shared(first.snapshotId));
  assert.equal(entriesSince(destination, packsBefore).sealed.length, 0, 'no data chunk was sent again');
});

test('a run with nothing changed leaves every page of the file cache as it was', async (t) => {
  const { ws, root, backUp } = await setUp(t);
  for (let i = 0; i < 30; i++) writeFileSync(join(ws, `a${i}.txt`), `small ${i}\n`);
  writeFileSync(join(ws, 'b-large.bin'), randomBytes(200 * 1024));
  for (let i = 0; i < 30; i++) writeFileSync(join(ws, `c${i}.txt`), `after ${i}\n`);
  await backUp();
  const db = await Database.open(join(root, 'peer-backup.db'));
  t.after(() => db.close());
  const pages = async () => (await db.all<{ digest: Buffer }>('SELECT digest FROM file_cache_pages ORDER BY digest')).map((row) => row.digest.toString('hex'));
  const before = await pages();
  assert.ok(before.length > 0);
  const second = await backUp();
  assert.equal(second.figures.unchangedFiles, 61);
  assert.deepEqual(await pages(), before);
});
