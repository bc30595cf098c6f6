/**
 * The thread that writes a restore's small files: content, mode, mtime and
 * holes come out as asked, files in one batch and over several; a file that
 * cannot be created fails its batch with its system call's code, naming
 * it; the files before it in its batch are written and the ones after it
 * are not.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SmallFileWriter, type WholeFile, type WholeFileError } from '../../src/core/restore/small-file-writer';
import { tempDir } from '../helpers/temp';

function wholeFile(path: string, content: Buffer, overrides: Partial<WholeFile> = {}): WholeFile {
  return { path: Buffer.from(path), content, mode: 0o640, modeToSet: undefined, mtime: 1_700_000_000.25, name: path, ...overrides };
}

test('small files come out with their content, mode and mtime, over many batches', async (t) => {
  const dir = tempDir(t);
  const writer = new SmallFileWriter();
  t.after(() => writer.close());
  const count = 1500;
  await Promise.all(Array.from({ length: count }, (_, index) => writer.write(wholeFile(join(dir, `f${index}`), Buffer.from(`file ${index}\n`.repeat(index % 7))))));
  for (const index of [0, 1, 511, 512, 1499]) {
    const path = join(dir, `f${index}`);
    assert.equal(readFileSync(path, 'utf8'), `file ${index}\n`.repeat(index % 7));
    assert.equal(statSync(path).mode & 0o777, 0o640 & ~process.umask());
    assert.equal(statSync(path).mtimeMs, 1_700_000_000_250);
  }
});

test('a mode the umask would take is set after writing, and whole zero blocks stay holes', async (t) => {
  const dir = tempDir(t);
  const writer = new SmallFileWriter();
  t.after(() => writer.close());
  const content = Buffer.alloc(64 * 4096);
  content.write('start', 0);
  content.write('end', content.length - 3);
  await writer.write(wholeFile(join(dir, 'holes'), content, { mode: 0o600, modeToSet: 0o777 }));
  await writer.write(wholeFile(join(dir, 'zeros'), Buffer.alloc(8 * 4096)));
  assert.deepEqual(readFileSync(join(dir, 'holes')), content);
  assert.equal(statSync(join(dir, 'holes')).mode & 0o777, 0o777);
  assert.deepEqual(readFileSync(join(dir, 'zeros')), Buffer.alloc(8 * 4096));
  const probe = join(dir, 'probe');
  writeFileSync(probe, '');
  truncateSync(probe, 8 * 4096);
  if (statSync(probe).blocks > 0) {
    t.diagnostic('this file system does not keep holes: content only');
    return;
  }
  assert.equal(statSync(join(dir, 'zeros')).blocks, 0);
  assert.ok(statSync(join(dir, 'holes')).blocks * 512 <= 4 * 4096, `${statSync(join(dir, 'holes')).blocks} blocks for two of data`);
});

test('a file that cannot be created fails its batch with its code, naming it; the files before it are written, the ones after it are not', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'taken'), 'already here');
  const writer = new SmallFileWriter();
  t.after(() => writer.close());
  const written = ['before', 'taken', 'after'].map((name) => writer.write(wholeFile(join(dir, name), Buffer.from(name))));
  assert.equal(new Set(written).size, 1, 'files handed over together share their batch');
  await assert.rejects(written[0]!, (err: WholeFileError) => err.code === 'EEXIST' && err.file.name === join(dir, 'taken'));
  assert.equal(readFileSync(join(dir, 'before'), 'utf8'), 'before');
  assert.equal(readFileSync(join(dir, 'taken'), 'utf8'), 'already here');
  assert.equal(existsSync(join(dir, 'after')), false);
  // The thread goes on with later batches.
  await writer.write(wholeFile(join(dir, 'later'), Buffer.from('later')));
  assert.equal(readFileSync(join(dir, 'later'), 'utf8'), 'later');
});
