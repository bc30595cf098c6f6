/**
 * Looking at a backup's files on the backup's thread: a file whose stamp still
 * holds is unchanged, others are read whole when small, said to be large
 * otherwise, and anything that is not a readable regular file is skipped
 * with the reason the packer gives. The walk's entries come back in walk
 * order, each file with its look.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { backupThread } from '../../src/core/backup/backup-thread';
import { Outcome, outcomeColumns, stampColumns } from '../../src/core/backup/file-look';
import { FileLooker, GroupLooks } from '../../src/core/backup/file-looker';
import { lookedAtWalk } from '../../src/core/backup/looked-walk';
import { deriveChunkKeys, generateStorageSecret } from '../../src/core/chunk/chunk-keys';
import { Exclusion } from '../../src/core/pack/exclusion';
import { walkBatches } from '../../src/core/pack/source-walk';
import { cacheKey, type FileStamp } from '../../src/core/store';
import { tempDir } from '../helpers/temp';

const keys = deriveChunkKeys(generateStorageSecret());

function stampOf(path: string): FileStamp {
  const stats = lstatSync(path, { bigint: true });
  return { size: Number(stats.size), mtimeNs: stats.mtimeNs, ctimeNs: stats.ctimeNs, inode: stats.ino };
}

test('each file is unchanged, read whole, large or skipped, with the reason the packer gives', async (t) => {
  const dir = tempDir(t);
  const at = (name: string) => join(dir, name);
  writeFileSync(at('kept'), 'kept content');
  writeFileSync(at('touched'), 'old');
  writeFileSync(at('small'), 'small content');
  writeFileSync(at('large'), Buffer.alloc(100, 1));
  mkdirSync(at('folder'));
  symlinkSync('small', at('link'));
  execFileSync('mkfifo', [at('pipe')]);
  const keptStamp = stampOf(at('kept'));
  const touchedStamp = stampOf(at('touched'));
  writeFileSync(at('touched'), 'new');
  utimesSync(at('touched'), 1_000, 1_000);

  const thread = backupThread(keys);
  t.after(() => thread.close());
  const looker = new FileLooker(thread, 100);
  const names = ['kept', 'touched', 'small', 'large', 'gone', 'folder', 'link', 'pipe'];
  const looks = await looker.look(names.map((name) => ({ path: Buffer.from(at(name)), stamp: name === 'kept' ? keptStamp : name === 'touched' ? touchedStamp : undefined })));
  const byName = Object.fromEntries(names.map((name, index) => [name, looks.lookAt(index)]));

  assert.deepEqual(byName.kept, { unchanged: true, mode: Number(lstatSync(at('kept')).mode) });
  for (const name of ['touched', 'small']) {
    const look = byName[name]!;
    assert.ok('content' in look, name);
    assert.equal(look.content.toString(), name === 'touched' ? 'new' : 'small content');
    assert.deepEqual(look.stamp, stampOf(at(name)));
    assert.equal(look.mode, Number(lstatSync(at(name)).mode));
    assert.equal(look.changed, undefined);
  }
  assert.deepEqual(byName.large, { large: true });
  assert.deepEqual(byName.gone, { skipped: 'disappeared before it could be read' });
  assert.deepEqual(byName.folder, { skipped: 'was replaced by a folder while packing' });
  assert.deepEqual(byName.link, { skipped: 'was replaced by a symlink while packing' });
  assert.deepEqual(byName.pipe, { skipped: 'is a FIFO (named pipe), which holds no data to back up' });
});

test('the walk comes back in its order, over many groups, each file with its look and its cached stamp used', async (t) => {
  const root = join(tempDir(t), 'tree');
  for (let folder = 0; folder < 5; folder++) {
    mkdirSync(join(root, `d${folder}`), { recursive: true });
    for (let index = 0; index < 300; index++) writeFileSync(join(root, `d${folder}`, `f${index}`), `${folder}/${index}`);
  }
  const cachedPath = join(root, 'd3', 'f7');
  const cache = new Map([[cacheKey(Buffer.from(cachedPath)), { ...stampOf(cachedPath), chunks: ['c'.repeat(64)] }]]);
  const thread = backupThread(keys);
  t.after(() => thread.close());
  const looker = new FileLooker(thread, 64 * 1024);

  const expected: string[] = [];
  for await (const batch of walkBatches('p', [{ sourcePath: root, archivePath: 'tree' }], new Exclusion([], false, () => undefined))) {
    expected.push(...batch.map((found) => found.archivePath.toString()));
  }
  const seen: string[] = [];
  let previousContent: Buffer[] = [];
  let releasedContent = 0;
  for await (const group of lookedAtWalk(walkBatches('p', [{ sourcePath: root, archivePath: 'tree' }], new Exclusion([], false, () => undefined)), cache, looker)) {
    // Asking for this group released the content of the one before.
    assert.ok(previousContent.every((content) => content.length === 0));
    releasedContent += previousContent.length;
    previousContent = [];
    for (const looked of group) {
      seen.push(looked.found.archivePath.toString());
      if (!('look' in looked)) continue;
      if (looked.found.sourcePath.toString() === cachedPath) {
        assert.ok('unchanged' in looked.look);
        assert.ok(looked.cached !== undefined);
      } else {
        assert.ok('content' in looked.look, looked.found.archivePath.toString());
        previousContent.push(looked.look.content);
        assert.equal(`tree/${looked.look.content.toString().replace('/', '/f')}`.replace(/^tree\/(\d)/, 'tree/d$1'), looked.found.archivePath.toString());
      }
    }
  }
  assert.equal(seen.length, 1 + 5 + 5 * 300);
  assert.ok(releasedContent > 1000, `${releasedContent} files' content released as the walk went on`);
  assert.deepEqual(seen, expected);
});

test('content read from a file that failed, shrank or changed while being read says so, and keeps what was read', () => {
  const block = new ArrayBuffer(16);
  Buffer.from(block).write('abcdefgh');
  const outcomes = new Uint32Array(3 * outcomeColumns);
  const stamps = new BigInt64Array(3 * stampColumns);
  [Outcome.readFailed, Outcome.shrank, Outcome.modified].forEach((outcome, index) => {
    outcomes.set([outcome, 0o100644, 0, index, 4], index * outcomeColumns);
    stamps.set([8n, 5n, 6n, -1n], index * stampColumns);
  });
  const looks = new GroupLooks({ id: 0, outcomes, stamps, notes: [[0, 'EIO']], blocks: [block] });

  const expected = [
    ['abcd', 'could not be read to the end (EIO); the snapshot holds its first 4 bytes'],
    ['bcde', 'shrank while being read; the snapshot holds its first 4 bytes'],
    ['cdef', 'was modified while being read; the snapshot may mix old and new content'],
  ];
  expected.forEach(([content, changed], index) => {
    const look = looks.lookAt(index);
    assert.ok('content' in look);
    assert.equal(look.content.toString(), content);
    assert.equal(look.changed, changed);
    assert.equal(look.mode, 0o100644);
    // An inode past 2^63 travels as a negative 64-bit number and comes back whole.
    assert.deepEqual(look.stamp, { size: 8, mtimeNs: 5n, ctimeNs: 6n, inode: 2n ** 64n - 1n });
  });
});
