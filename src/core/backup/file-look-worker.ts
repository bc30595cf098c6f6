/**
 * The code of the thread that looks at a backup's files (file-looker.ts),
 * kept as text for request-thread.ts.
 *
 * Each message is a group of files: one buffer holding their paths, a flat
 * list of two numbers per file (where its path lies in that buffer), and for
 * each file the stamp the file cache holds for it, or null. A file whose
 * lstat matches its stamp is unchanged and not opened. Any other file is
 * opened read-only, without following a symlink that replaced it since the
 * walk and without blocking on a FIFO that did; if it is a regular file
 * smaller than `smallBytes` it is read whole, and its size and times come
 * from the open descriptor, before and after the read, so they describe the
 * very content read. Plain system calls, one file after another: for small
 * files the calls are the work, and a round trip through the thread pool
 * and a promise per call cost more than the calls themselves.
 *
 * The reply has one look per file and the content read, in blocks (buffers
 * of their own, transferred); a look with content names its block, start
 * and length.
 */
export const fileLookWorkerSource = String.raw`
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const openFlags = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;
const blockBytes = 256 * 1024;

function kindOf(stats) {
  if (stats.isDirectory()) return 'directory';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isSocket()) return 'socket';
  if (stats.isBlockDevice() || stats.isCharacterDevice()) return 'device';
  return 'unknown';
}

function unchangedMode(path, stamp) {
  let stats;
  try {
    stats = fs.lstatSync(path, { bigint: true, throwIfNoEntry: false });
  } catch {
    return undefined;
  }
  const same = stats !== undefined && stats.isFile() && Number(stats.size) === stamp.size && stats.mtimeNs === stamp.mtimeNs && stats.ctimeNs === stamp.ctimeNs && stats.ino === stamp.inode;
  return same ? Number(stats.mode) : undefined;
}

function stampOf(stats) {
  return { size: Number(stats.size), mtimeNs: stats.mtimeNs, ctimeNs: stats.ctimeNs, inode: stats.ino };
}

class Blocks {
  constructor() {
    this.done = [];
    this.current = undefined;
    this.used = 0;
  }
  // Room for size bytes: [block index, buffer, start].
  take(size) {
    if (this.current === undefined || this.used + size > this.current.length) {
      if (this.current !== undefined) this.done.push(this.current.buffer);
      this.current = Buffer.allocUnsafeSlow(Math.max(blockBytes, size));
      this.used = 0;
    }
    const start = this.used;
    this.used += size;
    return [this.done.length, this.current, start];
  }
  finish() {
    if (this.current !== undefined) this.done.push(this.current.buffer);
    return this.done;
  }
}

function read(path, smallBytes, blocks) {
  let fd;
  try {
    fd = fs.openSync(path, openFlags);
  } catch (err) {
    return { error: err.code };
  }
  try {
    const stats = fs.fstatSync(fd, { bigint: true });
    if (!stats.isFile()) return { special: kindOf(stats) };
    const size = Number(stats.size);
    if (size >= smallBytes) return { large: true };
    const [block, buffer, start] = blocks.take(size);
    const look = { stamp: stampOf(stats), mode: Number(stats.mode), block, start, length: 0 };
    try {
      for (let got = -1; look.length < size && got !== 0; look.length += got) got = fs.readSync(fd, buffer, start + look.length, size - look.length, look.length);
    } catch (err) {
      look.readError = err.code;
      return look;
    }
    if (look.length < size) return { ...look, shrank: true };
    const after = fs.fstatSync(fd, { bigint: true });
    if (after.size !== stats.size || after.mtimeNs !== stats.mtimeNs) look.modified = true;
    return look;
  } catch (err) {
    return { error: err.code };
  } finally {
    fs.closeSync(fd);
  }
}

parentPort.on('message', ({ id, paths, layout, stamps, smallBytes }) => {
  const bytes = Buffer.from(paths);
  const blocks = new Blocks();
  const looks = stamps.map((stamp, index) => {
    const path = bytes.subarray(layout[2 * index], layout[2 * index] + layout[2 * index + 1]);
    const mode = stamp === null ? undefined : unchangedMode(path, stamp);
    return mode !== undefined ? { unchanged: true, mode } : read(path, smallBytes, blocks);
  });
  const done = blocks.finish();
  parentPort.postMessage({ id, looks, blocks: done }, done);
});
`;
