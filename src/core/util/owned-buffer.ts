/**
 * `bytes` in an ArrayBuffer of its own, so that it can be handed over
 * (transferred) to another thread: itself when it fills its ArrayBuffer,
 * else a copy. A small Buffer is a slice of Node's shared pool, and handing
 * the pool over would take it from every other Buffer in it.
 */
export function ownedBuffer(bytes: Buffer): Buffer<ArrayBuffer> {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return bytes as Buffer<ArrayBuffer>;
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(copy);
  return copy;
}
