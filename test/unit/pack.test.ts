/**
 * The packer on real files: what goes in, in which order, what the manifest
 * says, and how it copes with files that change, vanish or cannot be read.
 * Archives are checked with GNU tar, not with our own reader.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, createWriteStream, mkdirSync, readdirSync, readlinkSync, rmSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors';
import { packArchive, type Manifest, type PackOptions, type PackReport } from '../../src/core/pack';
import { tempDir } from '../helpers/temp';

const isRoot = process.getuid?.() === 0;

function options(items: PackOptions['items'], extra: Partial<PackOptions> = {}): PackOptions {
  return { planName: 'test', items, excludes: [], respectGitignore: false, ...extra };
}

/** Packs into a file and returns the report, the archive's path and GNU tar's listing of it. */
async function packToDisk(dir: string, packOptions: PackOptions): Promise<{ report: PackReport; archive: string; listing: string[] }> {
  const archive = join(dir, `archive-${Math.random().toString(36).slice(2)}.tar.gz`);
  const handle = packArchive(packOptions);
  await pipeline(handle.stream, createWriteStream(archive));
  const report = await handle.result;
  const listing = execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' }).split('\n').filter(Boolean);
  return { report, archive, listing };
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

test('entries come in a fixed order: items by archive path, folders before their contents, names sorted; manifest last', async (t) => {
  const dir = tempDir(t);
  const ws = join(dir, 'ws');
  mkdirSync(join(ws, 'b', 'inner'), { recursive: true });
  mkdirSync(join(ws, 'a'));
  for (const name of ['z.txt', 'B.txt', 'a.txt']) writeFileSync(join(ws, 'a', name), name);
  writeFileSync(join(ws, 'b', 'inner', 'deep.txt'), 'deep');
  writeFileSync(join(dir, 'lone.txt'), 'lone');
  const { listing, report } = await packToDisk(dir, options([
    { sourcePath: join(dir, 'lone.txt'), archivePath: 'lone.txt' },
    { sourcePath: ws, archivePath: 'ws' },
  ]));
  assert.deepEqual(listing, [
    'lone.txt',
    'ws/',
    'ws/a/',
    'ws/a/B.txt',
    'ws/a/a.txt',
    'ws/a/z.txt',
    'ws/b/',
    'ws/b/inner/',
    'ws/b/inner/deep.txt',
    '.peer-backup/manifest.json',
  ]);
  assert.deepEqual([report.files, report.directories, report.symlinks, report.bytes], [5, 4, 0, 4 + 5 + 5 + 5 + 4]);
});

test('the manifest lists every entry with its type, size, mode and the SHA-256 of each file', async (t) => {
  const dir = tempDir(t);
  const ws = join(dir, 'ws');
  mkdirSync(join(ws, 'empty'), { recursive: true });
  const big = Buffer.alloc(300_000, 'x');
  big.write('the start differs', 0);
  writeFileSync(join(ws, 'big.bin'), big);
  writeFileSync(join(ws, 'run.sh'), '#!/bin/sh\n');
  chmodSync(join(ws, 'run.sh'), 0o755);
  symlinkSync('big.bin', join(ws, 'link'));
  const { archive, report } = await packToDisk(dir, options([{ sourcePath: ws, archivePath: 'ws' }]));

  const manifest = JSON.parse(execFileSync('tar', ['-xzOf', archive, '.peer-backup/manifest.json'], { encoding: 'utf8' })) as Manifest;
  assert.equal(manifest.format, 1);
  assert.equal(manifest.plan, 'test');
  assert.ok(!Number.isNaN(Date.parse(manifest.createdAt)));
  assert.deepEqual(manifest, report.manifest);
  const byPath = new Map(manifest.entries.map((entry) => [entry.path, entry]));
  assert.deepEqual([...byPath.keys()].sort(), ['ws', 'ws/big.bin', 'ws/empty', 'ws/link', 'ws/run.sh']);
  assert.deepEqual({ ...byPath.get('ws/big.bin'), mtime: 0 }, { type: 'file', path: 'ws/big.bin', size: big.length, mode: 0o644, mtime: 0, sha256: sha256(big) });
  assert.equal(byPath.get('ws/run.sh')?.mode, 0o755);
  assert.deepEqual(byPath.get('ws/link'), { ...byPath.get('ws/link'), type: 'symlink', target: 'big.bin', size: 0 });
  assert.equal(byPath.get('ws/empty')?.type, 'directory');
});

test('a symlink is stored as a link and never followed, even to a folder outside the items', async (t) => {
  const dir = tempDir(t);
  const outside = join(dir, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.txt'), 'not designated');
  const ws = join(dir, 'ws');
  mkdirSync(ws);
  symlinkSync(outside, join(ws, 'to-outside'));
  const { listing, report } = await packToDisk(dir, options([{ sourcePath: ws, archivePath: 'ws' }]));
  assert.deepEqual(listing, ['ws/', 'ws/to-outside', '.peer-backup/manifest.json']);
  assert.equal(report.symlinks, 1);
  assert.equal(report.files, 0);
});

test('plan excludes match inside each designated folder, anchored at its top; a designated path itself is never excluded', async (t) => {
  const dir = tempDir(t);
  const ws = join(dir, 'ws');
  for (const folder of ['node_modules/pkg', 'app/node_modules/dep', '.git/objects', 'build']) mkdirSync(join(ws, folder), { recursive: true });
  writeFileSync(join(ws, 'node_modules', 'pkg', 'index.js'), '');
  writeFileSync(join(ws, 'app', 'node_modules', 'dep', 'index.js'), '');
  writeFileSync(join(ws, 'app', 'main.js'), '');
  writeFileSync(join(ws, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  writeFileSync(join(ws, 'build', 'out.js'), '');
  writeFileSync(join(ws, 'notes.log'), '');
  const { listing } = await packToDisk(dir, options([{ sourcePath: ws, archivePath: 'ws' }], { excludes: ['node_modules/', '*.log', '/build', '/main.js'] }));
  // '/main.js' is anchored at the designated folder's top, so app/main.js stays.
  assert.deepEqual(listing, ['ws/', 'ws/.git/', 'ws/.git/HEAD', 'ws/.git/objects/', 'ws/app/', 'ws/app/main.js', '.peer-backup/manifest.json']);

  const designated = await packToDisk(dir, options([{ sourcePath: join(ws, 'node_modules'), archivePath: 'node_modules' }], { excludes: ['node_modules/'] }));
  assert.ok(designated.listing.includes('node_modules/pkg/index.js'));
});

test('with respectGitignore, each .gitignore applies from its own folder, deeper ones win, and the repository root counts', async (t) => {
  const dir = tempDir(t);
  const repo = join(dir, 'repo');
  const ws = join(repo, 'ws');
  for (const folder of ['.git', 'ws/sub/keep', 'ws/dist']) mkdirSync(join(repo, folder), { recursive: true });
  writeFileSync(join(repo, '.gitignore'), '*.tmp\n');
  writeFileSync(join(ws, '.gitignore'), 'dist/\n*.secret\n');
  writeFileSync(join(ws, 'sub', '.gitignore'), '!wanted.secret\n/local.txt\n');
  const files = ['a.tmp', 'a.txt', 'dist/x.js', 'top.secret', 'local.txt', 'sub/wanted.secret', 'sub/other.secret', 'sub/local.txt', 'sub/keep/local.txt'];
  for (const file of files) writeFileSync(join(ws, file), file);

  const { listing } = await packToDisk(dir, options([{ sourcePath: ws, archivePath: 'ws' }], { respectGitignore: true }));
  const stored = listing.filter((path) => !path.endsWith('/') && path.startsWith('ws/'));
  assert.deepEqual(stored, ['ws/.gitignore', 'ws/a.txt', 'ws/local.txt', 'ws/sub/.gitignore', 'ws/sub/keep/local.txt', 'ws/sub/wanted.secret']);

  const ignoring = await packToDisk(dir, options([{ sourcePath: ws, archivePath: 'ws' }], { respectGitignore: false }));
  assert.equal(ignoring.listing.filter((path) => !path.endsWith('/') && path.startsWith('ws/')).length, files.length + 2);
});

test('FIFOs and sockets are skipped with a reason; the rest is packed', async (t) => {
  const dir = tempDir(t);
  const ws = join(dir, 'ws');
  mkdirSync(ws);
  writeFileSync(join(ws, 'a.txt'), 'a');
  execFileSync('mkfifo', [join(ws, 'pipe')]);
  const { listing, report } = await packToDisk(dir, options([{ sourcePath: ws, archivePath: 'ws' }]));
  assert.deepEqual(listing, ['ws/', 'ws/a.txt', '.peer-backup/manifest.json']);
  assert.equal(report.skipped.length, 1);
  assert.equal(report.skipped[0]!.path, join(ws, 'pipe'));
  assert.match(report.skipped[0]!.reason, /FIFO/);
  assert.deepEqual(report.manifest.skipped, report.skipped);
});

test('a file that disappears between the walk and its opening is skipped and reported; the rest is packed', async (t) => {
  const dir = tempDir(t);
  const ws = join(dir, 'ws');
  mkdirSync(ws);
  const names = Array.from({ length: 200 }, (_, i) => `f${String(i).padStart(3, '0')}.txt`);
  for (const name of names) writeFileSync(join(ws, name), name);
  // The folder is listed before f000 is read. The packer opens only a few files ahead,
  // so removing f190 now is exactly the race between listing and opening.
  const { listing, report } = await packToDisk(dir, options([{ sourcePath: ws, archivePath: 'ws' }], {
    onProgress: (progress) => {
      if (progress.currentPath === 'ws/f000.txt') rmSync(join(ws, 'f190.txt'), { force: true });
    },
  }));
  assert.deepEqual(listing, ['ws/', ...names.filter((name) => name !== 'f190.txt').map((name) => `ws/${name}`), '.peer-backup/manifest.json']);
  assert.deepEqual(report.skipped, [{ path: join(ws, 'f190.txt'), reason: 'disappeared before it could be read' }]);
});

test('a file without read permission is skipped and reported', { skip: isRoot && 'running as root, where chmod 000 does not stop reading (the vanishing-file test covers the same path)' }, async (t) => {
  const dir = tempDir(t);
  const ws = join(dir, 'ws');
  mkdirSync(ws);
  writeFileSync(join(ws, 'locked.txt'), 'x');
  writeFileSync(join(ws, 'open.txt'), 'y');
  chmodSync(join(ws, 'locked.txt'), 0o000);
  const { listing, report } = await packToDisk(dir, options([{ sourcePath: ws, archivePath: 'ws' }]));
  assert.deepEqual(listing, ['ws/', 'ws/open.txt', '.peer-backup/manifest.json']);
  assert.match(report.skipped[0]!.reason, /permission denied/);
});

test('a file that shrinks while it is read is padded to its declared size, the archive stays valid, and it is reported as changed', async (t) => {
  const dir = tempDir(t);
  const ws = join(dir, 'ws');
  mkdirSync(ws);
  const file = join(ws, 'growing.log');
  const original = Buffer.alloc(1_000_000, 'a');
  writeFileSync(file, original);
  writeFileSync(join(ws, 'z.txt'), 'after');
  let truncated = false;
  const { archive, listing, report } = await packToDisk(dir, options([{ sourcePath: ws, archivePath: 'ws' }], {
    onProgress: (progress) => {
      if (progress.currentPath === 'ws/growing.log' && !truncated) {
        truncated = true;
        truncateSync(file, 1000);
      }
    },
  }));
  assert.deepEqual(listing, ['ws/', 'ws/growing.log', 'ws/z.txt', '.peer-backup/manifest.json']);
  const stored = execFileSync('tar', ['-xzOf', archive, 'ws/growing.log'], { maxBuffer: 4_000_000 });
  assert.equal(stored.length, original.length);
  assert.deepEqual(stored.subarray(0, 1000), original.subarray(0, 1000));
  assert.ok(stored.subarray(stored.length - 1000).every((byte) => byte === 0));
  assert.equal(report.changed.length, 1);
  assert.match(report.changed[0]!.reason, /shrank/);
  const entry = report.manifest.entries.find((each) => each.path === 'ws/growing.log');
  assert.equal(entry?.type === 'file' && entry.sha256, sha256(stored));
});

test('a file modified while it is read (same size, new mtime) is stored and reported as changed', async (t) => {
  const dir = tempDir(t);
  const ws = join(dir, 'ws');
  mkdirSync(ws);
  const file = join(ws, 'data.bin');
  writeFileSync(file, Buffer.alloc(500_000, 'b'));
  let touched = false;
  const { report } = await packToDisk(dir, options([{ sourcePath: ws, archivePath: 'ws' }], {
    onProgress: (progress) => {
      if (progress.currentPath === 'ws/data.bin' && !touched) {
        touched = true;
        utimesSync(file, new Date(), new Date(Date.now() + 60_000));
      }
    },
  }));
  assert.equal(report.files, 1);
  assert.deepEqual(report.changed.map((each) => each.path), [file]);
  assert.match(report.changed[0]!.reason, /modified while packing/);
});

test('the consumer sets the pace: while it does not read, the packer stops reading files', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'random.bin');
  // Random bytes do not compress, so unread output really piles up if backpressure is missing.
  writeFileSync(file, randomBytes(48 * 1024 * 1024));
  let bytesRead = 0;
  const handle = packArchive(options([{ sourcePath: file, archivePath: 'random.bin' }], { onProgress: (progress) => (bytesRead = progress.bytes) }));
  const firstChunk = await new Promise<Buffer>((resolve) => handle.stream.once('data', resolve));
  handle.stream.pause();
  assert.ok(firstChunk.length > 0);
  // Give an unthrottled packer ample time to run ahead; a throttled one stays put.
  let previous = -1;
  while (previous !== bytesRead) {
    previous = bytesRead;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.ok(bytesRead < 8 * 1024 * 1024, `read ${bytesRead} bytes ahead of a paused consumer`);
  handle.stream.resume();
  handle.stream.on('data', () => undefined);
  const report = await handle.result;
  assert.equal(report.bytes, 48 * 1024 * 1024);
});

test('cancelling with the signal destroys the stream, rejects the result and leaves no file open', async (t) => {
  const dir = tempDir(t);
  const ws = join(dir, 'ws');
  mkdirSync(ws);
  // Several files, so some are opened ahead of the one being read when the cancel comes.
  for (let i = 0; i < 12; i++) writeFileSync(join(ws, `part-${i}.bin`), Buffer.alloc(4 * 1024 * 1024, i));
  const cancel = new AbortController();
  const handle = packArchive(options([{ sourcePath: ws, archivePath: 'ws' }], {
    signal: cancel.signal,
    onProgress: (progress) => {
      if (progress.bytes > 1024 * 1024) cancel.abort();
    },
  }));
  const consumed = pipeline(handle.stream, createWriteStream(join(dir, 'out.tar.gz')));
  await Promise.all([assert.rejects(handle.result, { name: 'AbortError' }), assert.rejects(consumed)]);
  assert.ok(handle.stream.destroyed);
  assert.deepEqual(openDescriptorsUnder(ws), []);
});

test('a consumer that destroys the stream early stops the packer and rejects the result', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'large.bin');
  writeFileSync(file, Buffer.alloc(16 * 1024 * 1024, 'd'));
  const handle = packArchive(options([{ sourcePath: file, archivePath: 'large.bin' }]));
  handle.stream.once('data', () => handle.stream.destroy());
  await assert.rejects(handle.result, /closed before the archive was complete/);
  assert.deepEqual(openDescriptorsUnder(dir), []);
});

test('a designated path that no longer exists fails the pack with source-missing, naming it and the command that drops it', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'here.txt'), 'here');
  mkdirSync(join(dir, 'folder'));
  const handle = packArchive(options([
    { sourcePath: join(dir, 'gone'), archivePath: 'gone' },
    { sourcePath: join(dir, 'here.txt'), archivePath: 'here.txt' },
    { sourcePath: join(dir, 'folder', 'moved away'), archivePath: 'moved away' },
  ]));
  const archive = createWriteStream(join(dir, 'archive.tar.gz'));
  await assert.rejects(pipeline(handle.stream, archive));
  await assert.rejects(handle.result, (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.equal(err.code, 'source-missing');
    assert.equal(
      err.message,
      `These designated paths were moved or deleted: ${join(dir, 'gone')}, ${join(dir, 'folder', 'moved away')}. ` +
        `Restore them, or remove them from the plan with \`peer-backup plan remove-paths test ${join(dir, 'gone')} '${join(dir, 'folder', 'moved away')}'\`.`,
    );
    return true;
  });
  // The pipeline rejects before the file stream has finished opening and closing; the folder is removed only after.
  if (!archive.closed) await new Promise<void>((resolve) => archive.once('close', () => resolve()));
});

test('packing the same tree twice gives the same entries in the same order', async (t) => {
  const dir = tempDir(t);
  const ws = join(dir, 'ws');
  mkdirSync(join(ws, 'x', 'y'), { recursive: true });
  for (let i = 0; i < 30; i++) writeFileSync(join(ws, i % 2 ? 'x' : 'x/y', `f${(i * 7) % 30}.txt`), String(i));
  const first = await packToDisk(dir, options([{ sourcePath: ws, archivePath: 'ws' }]));
  const second = await packToDisk(dir, options([{ sourcePath: ws, archivePath: 'ws' }]));
  assert.deepEqual(second.listing, first.listing);
  assert.deepEqual(second.report.manifest.entries, first.report.manifest.entries);
});

/** Descriptors of this process open on anything inside `dir`, read from /proc (Linux). */
function openDescriptorsUnder(dir: string): string[] {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith(`${dir}/`);
    } catch {
      return false;
    }
  });
}
