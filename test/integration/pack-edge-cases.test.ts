/**
 * What the packer once got wrong, on real files, through the built CLI, with
 * archives checked by GNU tar: a designated path that is gone, names that
 * are not valid UTF-8, and a tree deeper than PATH_MAX.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readdirSync, readlinkSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { extractArchive } from '../../src/core/pack';
import type { Run } from '../../src/core/store';
import { runCli, runCliJson } from '../helpers/cli';
import { writeFixtureTree } from '../helpers/fixture-tree';
import { allow, makeHome, startReceiver, startRegistry } from '../helpers/peers';
import { tempDir } from '../helpers/temp';

/** GNU tar's archive of `folder` inside `parent`, with what a restore may change (owners, folder mtimes) held fixed: equal for equal trees. */
function treeDigest(parent: string, folder: string): string {
  const tar = spawnSync('tar', ['-C', parent, '--sort=name', '--format=gnu', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-cf', '-', folder], { maxBuffer: 256 * 1024 * 1024 });
  assert.equal(tar.status, 0, tar.stderr.toString());
  return execFileSync('sha256sum', { input: tar.stdout }).toString().split(' ')[0]!;
}

test('`pack` of a plan whose designated folder was deleted fails, names it and the command that drops it, and writes nothing', async (t) => {
  const dir = tempDir(t);
  const home = join(dir, 'home');
  mkdirSync(home);
  writeFixtureTree(join(dir, 'ws'));
  mkdirSync(join(dir, 'notes'));
  await runCliJson(['--home', home, 'plan', 'add', 'demo', 'ws', 'notes'], { cwd: dir });
  execFileSync('rm', ['-r', join(dir, 'notes')]);

  const result = await runCli(['--home', home, 'pack', 'demo', '--out', 'demo.tar.gz'], { cwd: dir });
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    `peer-backup: ${join(dir, 'notes')} was moved or deleted: restore it, or remove it from the plan with \`peer-backup plan remove-paths demo ${join(dir, 'notes')}\`.\n`,
  );
  assert.ok(!existsSync(join(dir, 'demo.tar.gz')));
});

test('a run whose designated folder was moved fails with source-missing and sends nothing; after `plan remove-paths` it succeeds', async (t) => {
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const sender = await makeHome(t);
  await allow(receiver.home, sender.peerId, '10MB');
  await startReceiver(t, receiver.home, registry.url);
  const dir = tempDir(t);
  const kept = writeFixtureTree(join(dir, 'project'));
  const moved = join(dir, 'docs');
  mkdirSync(moved);
  writeFileSync(join(moved, 'plan.md'), '# plan\n');
  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registry.url };
  assert.equal((await runCli(['plan', 'add', 'nightly', kept, moved, '--dest', receiver.peerId], { env })).code, 0);
  renameSync(moved, join(dir, 'docs-elsewhere'));

  const failed = await runCli(['run', 'nightly'], { env });
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, new RegExp(`${moved} was moved or deleted: restore it, or remove it from the plan with \`peer-backup plan remove-paths nightly ${moved}\``));
  const [run] = await runCliJson<Run[]>(['history', 'nightly'], { env });
  assert.equal(run!.status, 'failed');
  assert.equal(run!.failureStep, 'source-missing');
  // Nothing stored for anyone: only the receiver's own dot-folders and lock.
  assert.deepEqual(readdirSync(join(receiver.home, 'storage')).filter((name) => !name.startsWith('.')), []);

  assert.equal((await runCli(['plan', 'remove-paths', 'nightly', moved], { env })).code, 0);
  const succeeded = await runCliJson<Run>(['run', 'nightly'], { env });
  assert.equal(succeeded.status, 'succeeded');
  assert.equal(succeeded.files, 4);
});

test('names that are not valid UTF-8 are packed as bytes, listed by GNU tar, and restored with the same bytes', async (t) => {
  const dir = tempDir(t);
  const home = join(dir, 'home');
  mkdirSync(home);
  const ws = Buffer.from(join(dir, 'ws'));
  const at = (...names: string[]) => Buffer.concat([ws, ...names.map((name) => Buffer.from(`/${name}`, 'latin1'))]);
  mkdirSync(ws);
  writeFileSync(at('caf\xe9 latin-1.txt'), 'a name in latin-1\n');
  writeFileSync(at('\xff\xfe.bin'), Buffer.from([1, 2, 3]));
  mkdirSync(at('d\xe9j\xe0'));
  writeFileSync(at('d\xe9j\xe0', 'inner.txt'), 'inside a folder with a latin-1 name\n');
  symlinkSync(Buffer.from('\xff\xfe.bin', 'latin1'), at('link \xe0'));
  await runCliJson(['--home', home, 'plan', 'add', 'demo', 'ws'], { cwd: dir });

  const packed = await runCli(['--home', home, 'pack', 'demo', '--out', 'demo.tar.gz', '--json'], { cwd: dir });
  assert.equal(packed.code, 0, packed.stderr);
  assert.deepEqual(JSON.parse(packed.stdout).skipped, []);
  const archive = join(dir, 'demo.tar.gz');
  const listing = execFileSync('tar', ['--quoting-style=literal', '-tzf', archive]).toString('latin1').split('\n');
  for (const name of ['ws/caf\xe9 latin-1.txt', 'ws/\xff\xfe.bin', 'ws/d\xe9j\xe0/', 'ws/d\xe9j\xe0/inner.txt', 'ws/link \xe0']) assert.ok(listing.includes(name), `${JSON.stringify(name)} not in ${JSON.stringify(listing)}`);

  const byTar = join(dir, 'by-tar');
  mkdirSync(byTar);
  execFileSync('tar', ['-xzf', archive, '-C', byTar]);
  assert.equal(treeDigest(byTar, 'ws'), treeDigest(dir, 'ws'));

  const restored = join(dir, 'restored');
  const report = await extractArchive(createReadStream(archive), restored, { overwrite: false });
  assert.equal(report.files, 3);
  assert.deepEqual(
    readdirSync(Buffer.from(join(restored, 'ws')), { encoding: 'buffer' }).map((name) => name.toString('latin1')).sort(),
    ['caf\xe9 latin-1.txt', 'd\xe9j\xe0', 'link \xe0', '\xff\xfe.bin'],
  );
  assert.deepEqual(readlinkSync(Buffer.from(`${join(restored, 'ws')}/link \xe0`, 'latin1'), { encoding: 'buffer' }), Buffer.from('\xff\xfe.bin', 'latin1'));
  assert.equal(treeDigest(restored, 'ws'), treeDigest(dir, 'ws'));
});

test('a tree whose paths pass PATH_MAX once restored comes back whole, checked with GNU tar', async (t) => {
  const dir = tempDir(t);
  const home = join(dir, 'home');
  mkdirSync(home);
  const segment = 'd'.repeat(200);
  // The source stays under PATH_MAX (4096 bytes), so it can be made and read as usual...
  const levels = Math.floor((4060 - join(dir, 'ws').length) / (segment.length + 1));
  let folder = join(dir, 'ws');
  for (let level = 0; level < levels; level++) {
    folder = join(folder, segment);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `level-${level}.txt`), `level ${level}\n`);
  }
  writeFileSync(join(folder, 'deepest.txt'), 'the bottom\n');
  await runCliJson(['--home', home, 'plan', 'add', 'deep', 'ws'], { cwd: dir });
  const packed = await runCli(['--home', home, 'pack', 'deep', '--out', 'deep.tar.gz'], { cwd: dir });
  assert.equal(packed.code, 0, packed.stderr);
  const archive = join(dir, 'deep.tar.gz');
  assert.equal(execFileSync('tar', ['-tzf', archive], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }).split('\n').filter(Boolean).length, 1 + 2 * levels + 1 + 1);

  // ...but the restore folder's path is longer, so the restored paths (and the staged ones) are not.
  const target = join(dir, `restored-${'r'.repeat(200)}`);
  assert.ok(target.length + (folder.length - dir.length) > 4096);
  try {
    const report = await extractArchive(createReadStream(archive), target, { overwrite: false });
    assert.equal(report.files, levels + 1);
    assert.equal(treeDigest(target, 'ws'), treeDigest(dir, 'ws'));
    assert.deepEqual(readdirSync(target), ['ws']);
  } finally {
    // GNU rm removes what is deeper than PATH_MAX; the temp folder's own clean-up cannot.
    execFileSync('rm', ['-rf', target]);
  }
});
