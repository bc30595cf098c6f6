/**
 * The code of the thread that writes a restore's small files
 * (small-file-writer.ts), kept as text for request-thread.ts.
 *
 * Each message is a batch: one transferred buffer holding each file's path
 * and content, and a flat list of seven numbers per file (where its path and
 * content lie in the buffer, the mode to create it with, the mode to set
 * after, -1 for none, and its mtime in seconds). Files are created as the
 * folder writer creates them (O_EXCL | O_NOFOLLOW), written with their whole
 * zero blocks left as holes, timestamped and closed, one after another with
 * plain system calls: for small files the calls themselves are the work.
 * Within a batch they stay in one thread, since threads creating files in
 * the same folder only wait on each other in the kernel; a backlog of
 * batches is spread over two (small-file-writer.ts). The reply names the
 * first file that failed, if any;
 * the files after it in the batch are not written.
 */
export const smallFileWorkerSource = String.raw`
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
const createFlags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;
const blockSize = 4096;
const zeroBlock = Buffer.alloc(blockSize);

function writeAll(fd, data, position) {
  for (let done = 0; done < data.length; ) done += fs.writeSync(fd, data, done, data.length - done, position + done);
}

function writeKeepingHoles(fd, content) {
  let runStart = 0;
  for (let offset = 0; offset + blockSize <= content.length; offset += blockSize) {
    if (!content.subarray(offset, offset + blockSize).equals(zeroBlock)) continue;
    writeAll(fd, content.subarray(runStart, offset), runStart);
    runStart = offset + blockSize;
  }
  writeAll(fd, content.subarray(runStart), runStart);
  if (runStart > 0 && runStart === content.length) fs.ftruncateSync(fd, content.length);
}

parentPort.on('message', ({ id, data, layout }) => {
  const bytes = Buffer.from(data);
  for (let index = 0, at = 0; at < layout.length; index++, at += 7) {
    const [pathStart, pathLength, contentStart, contentLength, mode, modeToSet, mtime] = layout.slice(at, at + 7);
    try {
      const fd = fs.openSync(bytes.subarray(pathStart, pathStart + pathLength), createFlags, mode);
      try {
        writeKeepingHoles(fd, bytes.subarray(contentStart, contentStart + contentLength));
        if (modeToSet >= 0) fs.fchmodSync(fd, modeToSet);
        fs.futimesSync(fd, mtime, mtime);
      } finally {
        fs.closeSync(fd);
      }
    } catch (err) {
      parentPort.postMessage({ id, failure: { index, code: err.code, syscall: err.syscall, message: err.message } });
      return;
    }
  }
  parentPort.postMessage({ id });
});
`;
