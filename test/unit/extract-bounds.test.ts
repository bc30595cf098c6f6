/**
 * Extraction's bounds against an archive built to exhaust the restoring
 * machine: more content than the backup recorded (a gzip bomb), more than
 * the target's disk has free, and a manifest far larger than its entries
 * justify. Each is refused before the excess is written or read, and the
 * target is left as it was.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import { createGzip } from 'node:zlib';
import { pack as createTarPack, type Pack } from 'tar-stream';
import { UserError } from '../../src/core/errors';
import { extractArchive } from '../../src/core/pack';
import { FreeSpaceGuard, reserveFor, type StatFs } from '../../src/core/pack/free-space';
import { tempDir } from '../helpers/temp';

const mtime = new Date(1_700_000_000_000);
const zeros = Buffer.alloc(1024 * 1024);

/** A file entry whose content is `size` zero bytes, written a MiB at a time. */
async function addZeros(tarStream: Pack, name: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  await new Promise<void>((resolve, reject) => {
    const body = tarStream.entry({ name, type: 'file', size, mode: 0o644, mtime }, (err) => (err ? reject(err) : resolve()));
    void (async () => {
      for (let left = size; left > 0; left -= zeros.length) {
        const chunk = zeros.subarray(0, Math.min(left, zeros.length));
        hash.update(chunk);
        if (!body.write(chunk)) await new Promise<void>((drained) => body.once('drain', () => drained()));
      }
      body.end(null);
    })();
  });
  return hash.digest('hex');
}

function addBuffer(tarStream: Pack, name: string, content: Buffer): Promise<void> {
  return new Promise((resolve, reject) => tarStream.entry({ name, type: 'file', size: content.length, mode: 0o644, mtime }, content, (err) => (err ? reject(err) : resolve())));
}

/** A gzip'd tar of files given as zero-filled sizes or contents, with a manifest listing them, or the manifest given. */
async function archive(files: { name: string; size?: number; content?: Buffer }[], manifest?: Buffer): Promise<Buffer> {
  const tarStream = createTarPack();
  const gzipped = buffer(tarStream.pipe(createGzip()));
  const entries = [];
  for (const file of files) {
    const sha256 = file.content ? createHash('sha256').update(file.content).digest('hex') : await addZeros(tarStream, file.name, file.size ?? 0);
    if (file.content) await addBuffer(tarStream, file.name, file.content);
    entries.push({ type: 'file', path: file.name, size: file.content?.length ?? file.size ?? 0, mode: 0o644, mtime: mtime.getTime(), sha256 });
  }
  await addBuffer(tarStream, '.peer-backup/manifest.json', manifest ?? Buffer.from(JSON.stringify({ format: 1, createdAt: mtime.toISOString(), plan: 'p', entries, skipped: [], changed: [] })));
  tarStream.finalize();
  return gzipped;
}

/** The archive as a stream that counts how many of its bytes extraction read. */
function counted(data: Buffer): { stream: Readable; read: () => number } {
  let read = 0;
  const stream = Readable.from((function* () {
    for (let at = 0; at < data.length; at += 16 * 1024) {
      const chunk = data.subarray(at, at + 16 * 1024);
      read += chunk.length;
      yield chunk;
    }
  })());
  return { stream, read: () => read };
}

/** A target folder holding one file of the user's, and a check that it holds exactly that afterwards. */
function targetWithOneFile(t: Parameters<typeof tempDir>[0]): { dir: string; untouched: () => void } {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'mine.txt'), 'keep me');
  return { dir, untouched: () => assert.deepEqual(readdirSync(dir), ['mine.txt']) };
}

const plenty: StatFs = async () => ({ bavail: 1e9, bsize: 4096, blocks: 2e9 });

test('a gzip bomb (1 GiB of zeros in about 1 MiB) is refused from its header when the backup recorded little content', { timeout: 300_000 }, async (t) => {
  const bomb = await archive([
    { name: 'small.txt', content: Buffer.from('hello') },
    { name: 'bomb.bin', size: 1024 ** 3 },
  ]);
  assert.ok(bomb.length < 8 * 1024 * 1024, `the bomb is ${bomb.length} bytes`);
  const target = targetWithOneFile(t);
  const input = counted(bomb);
  await assert.rejects(
    extractArchive(input.stream, target.dir, { overwrite: false, expectedContentBytes: 5, statFs: plenty }),
    (err: Error) =>
      err instanceof UserError && /holds more file content than the 5 bytes recorded when the snapshot was made \("bomb\.bin" alone declares 1073741824\)/.test(err.message) && /Nothing was written/.test(err.message),
  );
  target.untouched();
  // Refused at the bomb's header: most of the archive was never read, let alone inflated.
  assert.ok(input.read() < bomb.length / 2, `read ${input.read()} of ${bomb.length} bytes`);

  // The same archive restores when the recorded content covers it: the bound, not the archive, made the difference.
  const roomy = tempDir(t);
  const report = await extractArchive(Readable.from(bomb), roomy, { overwrite: false, expectedContentBytes: 1024 ** 3 + 5, statFs: plenty });
  assert.equal(report.bytes, 1024 ** 3 + 5);
});

test('an archive that does not fit the free space, less the reserve, is refused before the entry that would not fit', async (t) => {
  const data = await archive([
    { name: 'fits.bin', size: 4 * 1024 * 1024 },
    { name: 'too-big.bin', size: 32 * 1024 * 1024 },
  ]);
  // 40 MiB free on a 200 MiB file system: 10 MiB are kept in reserve, so 30 MiB may be used.
  const statFs: StatFs = async () => ({ bavail: (40 * 1024 * 1024) / 4096, bsize: 4096, blocks: (200 * 1024 * 1024) / 4096 });
  const target = targetWithOneFile(t);
  await assert.rejects(
    extractArchive(Readable.from(data), target.dir, { overwrite: false, statFs }),
    (err: Error) =>
      err instanceof UserError &&
      err.code === 'disk-full' &&
      err.message.startsWith(`Not enough free space to restore into ${target.dir}: "too-big.bin" needs 32 MiB`) &&
      /10 MiB are kept free/.test(err.message),
  );
  target.untouched();

  const roomy = tempDir(t);
  const statFsRoomy: StatFs = async () => ({ bavail: (80 * 1024 * 1024) / 4096, bsize: 4096, blocks: (200 * 1024 * 1024) / 4096 });
  assert.equal((await extractArchive(Readable.from(data), roomy, { overwrite: false, statFs: statFsRoomy })).files, 2);
});

test('the reserve is 5% of the file system, at most 1 GiB; free space is asked again when a claim does not fit', async () => {
  assert.equal(reserveFor(10 * 1024 ** 3), 512 * 1024 ** 2);
  assert.equal(reserveFor(1024 ** 4), 1024 ** 3);
  let free = 100 * 1024 * 1024;
  let asked = 0;
  const guard = new FreeSpaceGuard('/anywhere', '/target', async () => {
    asked++;
    return { bavail: free / 4096, bsize: 4096, blocks: 0 };
  });
  await guard.claim(20 * 1024 * 1024, 'a');
  await guard.claim(20 * 1024 * 1024, 'b');
  assert.equal(asked, 1);
  // Someone else filled the disk meanwhile: a claim that does not fit what is left of the first answer asks again, and is refused.
  free = 10 * 1024 * 1024;
  await assert.rejects(guard.claim(61 * 1024 * 1024, 'c'), /c needs 61 MiB, but only 10 MiB of the 10 MiB free there may be used/);
  assert.equal(asked, 2);
  // Claims that fit are still checked again once 64 MiB were claimed since the last answer.
  free = 1024 ** 3;
  await guard.claim(20 * 1024 * 1024, 'd');
  assert.equal(asked, 3);
  for (let i = 0; i < 44; i++) await guard.claim(1024 * 1024, 'e');
  assert.equal(asked, 3);
  await guard.claim(1024 * 1024, 'f');
  assert.equal(asked, 4);
});

test('a claim is taken at once only while the last answer covers it and no new answer is due', async () => {
  let asked = 0;
  const guard = new FreeSpaceGuard('/anywhere', '/target', async () => {
    asked++;
    return { bavail: (100 * 1024 * 1024) / 4096, bsize: 4096, blocks: 0 };
  });
  assert.equal(guard.claimAtOnce(1), false, 'the file system was never asked');
  await guard.claim(1024 * 1024, 'a');
  assert.equal(guard.claimAtOnce(60 * 1024 * 1024), true);
  assert.equal(guard.claimAtOnce(4 * 1024 * 1024), false, 'past 64 MiB since the last answer, it must be asked again');
  assert.equal(guard.claimAtOnce(1024 * 1024), true, 'a refused claim takes nothing');
  assert.equal(asked, 1);
});

test('a manifest far larger than its entries justify is refused from its header, without being read', async (t) => {
  // Incompressible, so reading it whole would mean reading most of the archive.
  const huge = Buffer.from(randomBytes(24 * 1024 * 1024).toString('base64'));
  const data = await archive([{ name: 'one.txt', content: Buffer.from('1') }], huge);
  const target = targetWithOneFile(t);
  const input = counted(data);
  await assert.rejects(extractArchive(input.stream, target.dir, { overwrite: false, statFs: plenty }), /has a manifest of 33554432 bytes, more than its entries justify \(\d+ bytes\)/);
  target.untouched();
  assert.ok(input.read() < data.length / 4, `read ${input.read()} of ${data.length} bytes`);
});
