/**
 * Extraction treats an archive as hostile. Each crafted archive below is
 * refused, and the folder around the target is checked to be exactly as it
 * was: nothing written inside the target, nothing outside it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { pack as createTarPack } from 'tar-stream';
import { UserError } from '../../src/core/errors';
import { extractArchive, packArchive, type ExtractOptions, type Manifest, type ManifestEntry } from '../../src/core/pack';
import { writeFixtureTree } from '../helpers/fixture-tree';
import { tempDir } from '../helpers/temp';

interface Crafted {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';
  content?: string;
  linkname?: string;
  mode?: number;
  /** Forces a pax header, the only way to carry some names (e.g. with a NUL). */
  pax?: boolean;
}

type ManifestChoice = 'matching' | 'none' | ((manifest: Manifest) => unknown);

/** A gzip'd tar of `entries`, with a manifest that matches them unless told otherwise. */
async function craft(entries: Crafted[], manifestChoice: ManifestChoice = 'matching', after: Crafted[] = []): Promise<Buffer> {
  const tarStream = createTarPack();
  const chunks: Buffer[] = [];
  tarStream.on('data', (chunk) => chunks.push(chunk as Buffer));
  const ended = new Promise<void>((resolve) => tarStream.on('end', () => resolve()));
  const add = (entry: Crafted) =>
    new Promise<void>((resolve, reject) => {
      const header = { name: entry.name, type: entry.type ?? 'file', linkname: entry.linkname, mode: entry.mode ?? 0o644, mtime: new Date(1_700_000_000_000), pax: entry.pax ? {} : undefined };
      tarStream.entry(header, entry.content ?? '', (err) => (err ? reject(err) : resolve()));
    });
  for (const entry of entries) await add(entry);
  if (manifestChoice !== 'none') {
    const manifest = matchingManifest(entries);
    const written = typeof manifestChoice === 'function' ? manifestChoice(manifest) : manifest;
    await add({ name: '.peer-backup/manifest.json', content: JSON.stringify(written) });
  }
  for (const entry of after) await add(entry);
  tarStream.finalize();
  await ended;
  return gzipSync(Buffer.concat(chunks));
}

function matchingManifest(entries: Crafted[]): Manifest {
  const listed: ManifestEntry[] = entries.map((entry) => {
    const path = entry.name.replace(/\/+$/, '');
    const base = { path, size: 0, mode: entry.mode ?? 0o644, mtime: 1_700_000_000_000 };
    if (entry.type === 'directory') return { ...base, type: 'directory', size: 0 };
    if (entry.type === 'symlink') return { ...base, type: 'symlink', size: 0, target: entry.linkname ?? '' };
    const content = Buffer.from(entry.content ?? '');
    return { ...base, type: 'file', size: content.length, sha256: createHash('sha256').update(content).digest('hex') };
  });
  return { format: 1, createdAt: new Date(1_700_000_000_000).toISOString(), plan: 'crafted', entries: listed, skipped: [], changed: [] };
}

/** Every path under `root` with its type and, for files, content; for comparing a folder before and after. */
function snapshot(root: string): string[] {
  const lines: string[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const stats = lstatSync(path);
      const shown = `${prefix}${name}`;
      if (stats.isSymbolicLink()) lines.push(`${shown} -> ${readlinkSync(path)}`);
      else if (stats.isDirectory()) {
        lines.push(`${shown}/`);
        walk(path, `${shown}/`);
      } else lines.push(`${shown} ${readFileSync(path).toString('base64')}`);
    }
  };
  walk(root, '');
  return lines;
}

/** A folder holding an empty target, an `outside` folder an attack would aim at, and a bystander file. */
function arena(t: Parameters<typeof tempDir>[0]): { dir: string; target: string } {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'target'));
  mkdirSync(join(dir, 'outside'));
  writeFileSync(join(dir, 'outside', 'keep.txt'), 'untouched');
  return { dir, target: join(dir, 'target') };
}

async function expectRefused(t: Parameters<typeof tempDir>[0], archive: Buffer, message: RegExp, options: Partial<ExtractOptions> = {}): Promise<void> {
  const { dir, target } = arena(t);
  const before = snapshot(dir);
  await assert.rejects(extractArchive(Readable.from([archive]), target, { overwrite: false, ...options }), (err: Error) => {
    assert.ok(err instanceof UserError, `expected a UserError, got ${err.stack}`);
    assert.match(err.message, message);
    assert.match(err.message, /Nothing was written/);
    return true;
  });
  assert.deepEqual(snapshot(dir), before);
}

const hostile: [string, () => Promise<Buffer>, RegExp, Partial<ExtractOptions>?][] = [
  ['an absolute path', () => craft([{ name: '/tmp/peer-backup-evil.txt', content: 'x' }]), /is an absolute path/],
  ['a path starting with ../', () => craft([{ name: '../x.txt', content: 'x' }]), /contains a "\.\." component/],
  ['a path climbing out through a/../../', () => craft([{ name: 'a/../../x.txt', content: 'x' }]), /contains a "\.\." component/],
  ['a backslash in a name', () => craft([{ name: '..\\..\\x.txt', content: 'x' }]), /contains a backslash/],
  ['a NUL in a name', () => craft([{ name: 'ok.txt\0../../x', content: 'x', pax: true }]), /contains a NUL character/],
  ['a file written through a symlink that leads out, which is not recreated', () => craft([{ name: 'link', type: 'symlink', linkname: '../outside' }, { name: 'link/evil.txt', content: 'x' }]), /written through "link"/],
  ['a file written through a symlink that points inside', () => craft([{ name: 'sub', type: 'directory' }, { name: 'alias', type: 'symlink', linkname: 'sub' }, { name: 'alias/x.txt', content: 'x' }]), /written through "alias", which is not a folder/],
  ['a hard link', () => craft([{ name: 'a.txt', content: 'a' }, { name: 'h', type: 'link', linkname: 'a.txt' }]), /is a hard link/],
  ['a character device', () => craft([{ name: 'null', type: 'character-device' }]), /is a device/],
  ['a block device', () => craft([{ name: 'sda', type: 'block-device' }]), /is a device/],
  ['a FIFO', () => craft([{ name: 'pipe', type: 'fifo' }]), /is a FIFO/],
  ['more entries than the limit', () => craft(['1', '2', '3', '4', '5'].map((name) => ({ name, content: name }))), /more than 3 entries/, { limits: { maxEntries: 3 } }],
  ['more bytes than the limit', () => craft([{ name: 'big.txt', content: 'x'.repeat(2000) }]), /more than 1000 bytes/, { limits: { maxBytes: 1000 } }],
  ['content that does not match the manifest', () => craft([{ name: 'a.txt', content: 'altered' }], (m) => ({ ...m, entries: m.entries.map((e) => ({ ...e, sha256: '0'.repeat(64) })) })), /"a\.txt" does not match the size and SHA-256/],
  ['an entry missing from the manifest', () => craft([{ name: 'a.txt', content: 'a' }], (m) => ({ ...m, entries: [] })), /"a\.txt" is in the archive but not in its manifest/],
  ['a manifest entry missing from the archive', () => craft([], (m) => ({ ...m, entries: [{ type: 'file', path: 'gone.txt', size: 0, mode: 420, mtime: 0, sha256: '0'.repeat(64) }] })), /"gone\.txt" is listed in the manifest but missing/],
  ['no manifest at all', () => craft([{ name: 'a.txt', content: 'a' }], 'none'), /has no manifest/],
  ['entries after the manifest', () => craft([{ name: 'a.txt', content: 'a' }], 'matching', [{ name: 'late.txt', content: 'x' }]), /entries after its manifest/],
  ['a newer archive format', () => craft([], (m) => ({ ...m, format: 2 })), /archive format 2, newer than this Peer Backup/],
  ['a path under the reserved .peer-backup folder', () => craft([{ name: '.peer-backup/other.json', content: '{}' }]), /reserved/],
  ['the same path twice', () => craft([{ name: 'a.txt', content: 'a' }, { name: 'a.txt', content: 'b' }]), /the entry "a\.txt" twice/],
];

for (const [what, build, message, options] of hostile) {
  test(`refuses an archive with ${what}, and writes nothing anywhere`, async (t) => {
    await expectRefused(t, await build(), message, options);
  });
}

test('symlinks that lead out of the folder are not recreated, are reported, and the rest is restored', async (t) => {
  const { dir, target } = arena(t);
  const before = snapshot(join(dir, 'outside'));
  const archive = await craft([
    { name: 'kept.txt', content: 'kept' },
    { name: 'up', type: 'symlink', linkname: '../outside' },
    { name: 'etc', type: 'symlink', linkname: '/etc' },
    { name: 'a/b/deep', type: 'symlink', linkname: '../../../outside' },
    { name: 'here', type: 'symlink', linkname: '.' },
    { name: 'back', type: 'symlink', linkname: 'here/..' },
  ]);
  const report = await extractArchive(Readable.from([archive]), target, { overwrite: false });
  assert.equal(readFileSync(join(target, 'kept.txt'), 'utf8'), 'kept');
  assert.equal(readlinkSync(join(target, 'here')), '.');
  assert.deepEqual(
    report.refusedLinks.map((link) => link.path),
    ['up', 'etc', 'a/b/deep', 'back'],
  );
  for (const path of ['up', 'etc', 'a/b/deep', 'back']) assert.equal(existsSync(join(target, path)), false, `${path} was created`);
  assert.match(report.refusedLinks[1].reason, /absolute path "\/etc"/);
  assert.deepEqual(snapshot(join(dir, 'outside')), before);
});

test('refuses data that is not a gzip\'d tar, or is cut short, as damaged', async (t) => {
  await expectRefused(t, Buffer.from('just some text, not an archive'), /damaged or not a Peer Backup archive/);
  const whole = await craft([{ name: 'a.txt', content: 'x'.repeat(100_000) }]);
  await expectRefused(t, whole.subarray(0, Math.floor(whole.length / 2)), /damaged or not a Peer Backup archive/);
});

test('a packed tree extracts to an identical tree: contents, modes, mtimes, empty folders, symlinks, odd names', async (t) => {
  const dir = tempDir(t);
  const source = writeFixtureTree(join(dir, 'ws'));
  mkdirSync(join(source, 'read-only'));
  writeFileSync(join(source, 'read-only', 'inside.txt'), 'kept');
  execFileSync('chmod', ['555', join(source, 'read-only')]);
  const archive = await packToBuffer(source);

  const target = join(dir, 'restored');
  const report = await extractArchive(Readable.from([archive]), target, { overwrite: false });
  execFileSync('diff', ['-r', '--no-dereference', source, join(target, 'ws')]);
  assert.deepEqual(readdirSync(target), ['ws']);
  for (const path of ['run.sh', 'résumé final.txt', 'src', 'src/nested/deeper', 'empty folder', 'read-only']) {
    const original = statSync(join(source, path));
    const restored = statSync(join(target, 'ws', path));
    assert.equal((restored.mode & 0o7777).toString(8), (original.mode & 0o7777).toString(8), `mode of ${path}`);
    assert.equal(Math.floor(restored.mtimeMs / 1000), Math.floor(original.mtimeMs / 1000), `mtime of ${path}`);
  }
  assert.equal(readlinkSync(join(target, 'ws', 'link-to-main')), 'src/main.ts');
  assert.equal(report.plan, 'round trip');
  assert.equal(report.files, 5);
  assert.equal(report.symlinks, 1);
});

test('setuid, setgid and sticky bits are not restored', async (t) => {
  const dir = tempDir(t);
  const archive = await craft([{ name: 'tool', content: '#!/bin/sh\n', mode: 0o6755 }, { name: 'shared', type: 'directory', mode: 0o1777 }]);
  await extractArchive(Readable.from([archive]), dir, { overwrite: false });
  assert.equal((statSync(join(dir, 'tool')).mode & 0o7777).toString(8), '755');
  assert.equal((statSync(join(dir, 'shared')).mode & 0o7777).toString(8), '777');
});

test('an existing file is kept unless overwrite is given, and the error says how to proceed', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'a.txt'), 'mine');
  const archive = await craft([{ name: 'a.txt', content: 'from the snapshot' }, { name: 'b.txt', content: 'new' }]);
  await assert.rejects(extractArchive(Readable.from([archive]), dir, { overwrite: false }), (err: Error) => {
    assert.ok(err instanceof UserError);
    assert.equal(err.message, `${join(dir, 'a.txt')} already exists: pass --overwrite to replace it, or restore into an empty folder.`);
    return true;
  });
  assert.deepEqual(readdirSync(dir), ['a.txt']);
  assert.equal(readFileSync(join(dir, 'a.txt'), 'utf8'), 'mine');

  await extractArchive(Readable.from([archive]), dir, { overwrite: true });
  assert.equal(readFileSync(join(dir, 'a.txt'), 'utf8'), 'from the snapshot');
  assert.equal(readFileSync(join(dir, 'b.txt'), 'utf8'), 'new');
});

test('a clash with an existing file is reported as soon as its entry is read, before the rest of the archive', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'first.txt'), 'mine');
  const whole = await craft([{ name: 'first.txt', content: 'theirs' }, { name: 'large.bin', content: 'x'.repeat(200_000) }]);
  // Cut short after the clash: an extractor that only checks at the end would call this archive damaged instead.
  const cut = whole.subarray(0, Math.floor(whole.length / 2));
  await assert.rejects(extractArchive(Readable.from([cut]), dir, { overwrite: false }), /first\.txt already exists: pass --overwrite/);
  assert.deepEqual(readdirSync(dir), ['first.txt']);
});

test('restoring merges into existing folders and never replaces a folder with a file', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'ws'));
  writeFileSync(join(dir, 'ws', 'local-only.txt'), 'mine');
  mkdirSync(join(dir, 'ws', 'was-a-file'));
  const merged = await craft([{ name: 'ws', type: 'directory', mode: 0o755 }, { name: 'ws/restored.txt', content: 'back' }]);
  await extractArchive(Readable.from([merged]), dir, { overwrite: false });
  assert.deepEqual(readdirSync(join(dir, 'ws')).sort(), ['local-only.txt', 'restored.txt', 'was-a-file']);

  const clashing = await craft([{ name: 'ws/was-a-file', content: 'file now' }]);
  await assert.rejects(extractArchive(Readable.from([clashing]), dir, { overwrite: true }), /was-a-file is a folder, but the snapshot has a file there/);
  assert.ok(statSync(join(dir, 'ws', 'was-a-file')).isDirectory());
});

test('a symlink already in the target is never written through; with overwrite it is replaced by the archived folder', async (t) => {
  const { dir, target } = arena(t);
  symlinkSync(join(dir, 'outside'), join(target, 'docs'));
  const archive = await craft([{ name: 'docs', type: 'directory', mode: 0o755 }, { name: 'docs/keep.txt', content: 'attack' }]);
  await assert.rejects(extractArchive(Readable.from([archive]), target, { overwrite: false }), /already exists: pass --overwrite/);
  assert.equal(readFileSync(join(dir, 'outside', 'keep.txt'), 'utf8'), 'untouched');

  await extractArchive(Readable.from([archive]), target, { overwrite: true });
  assert.ok(lstatSync(join(target, 'docs')).isDirectory());
  assert.equal(readFileSync(join(target, 'docs', 'keep.txt'), 'utf8'), 'attack');
  assert.equal(readFileSync(join(dir, 'outside', 'keep.txt'), 'utf8'), 'untouched');
});

test('the report carries what the backup skipped, from the manifest', async (t) => {
  const dir = tempDir(t);
  const skipped = [{ path: '/home/me/ws/pipe', reason: 'is a FIFO (named pipe), which holds no data to back up' }];
  const archive = await craft([{ name: 'a.txt', content: 'a' }], (m) => ({ ...m, skipped }));
  const report = await extractArchive(Readable.from([archive]), join(dir, 'new-folder'), { overwrite: false });
  assert.deepEqual(report.skipped, skipped);
  assert.equal(report.files, 1);
  assert.equal(report.bytes, 1);
});

async function packToBuffer(source: string): Promise<Buffer> {
  const handle = packArchive({ planName: 'round trip', items: [{ sourcePath: source, archivePath: 'ws' }], excludes: [], respectGitignore: false });
  const chunks: Buffer[] = [];
  for await (const chunk of handle.stream) chunks.push(chunk as Buffer);
  await handle.result;
  return Buffer.concat(chunks);
}
