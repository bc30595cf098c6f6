/**
 * Gives a buffer's memory back at once, instead of at the collection that
 * finds it unreachable. V8 runs that collection only once some 64 MB more
 * is held outside its heap, so a backup or restore that goes through a
 * megabyte-sized buffer per chunk would otherwise keep tens of megabytes of
 * dead chunks, and take fresh pages for each new one instead of reusing the
 * ones just freed.
 *
 * It detaches the buffer's ArrayBuffer with ArrayBuffer.prototype.transfer,
 * which Node.js has from version 22 on, and Node.js 20 with the option
 * --harmony-rab-gsab-transfer (the `peer-backup` command gives it). Where it
 * is missing, the buffer is left to the collector, as any other.
 */

interface Transferable {
  transfer?: (length: number) => ArrayBuffer;
}

/**
 * Frees `bytes` now, if it is the whole of an ArrayBuffer of its own (a small
 * Buffer is a slice of Node's shared pool, which is left alone). Only for a
 * buffer that no one reads again: every view of that memory is emptied. An
 * empty buffer holds nothing to free, so releasing one twice does nothing.
 */
export function releaseBuffer(bytes: Uint8Array): void {
  const memory = bytes.buffer as ArrayBuffer & Transferable;
  if (bytes.byteLength === 0 || bytes.byteOffset !== 0 || bytes.byteLength !== memory.byteLength || memory.transfer === undefined) return;
  memory.transfer(0);
}
