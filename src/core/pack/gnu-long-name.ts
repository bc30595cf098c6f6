/**
 * GNU tar's long-name records: a pseudo-entry whose content is the name (or,
 * for 'K', the symlink target) of the entry that follows it. Unlike pax
 * records, which are UTF-8 by definition, they carry any bytes, so they are
 * how a name that is not valid UTF-8 goes into the archive. GNU tar and
 * tar-stream both read them.
 */
const blockSize = 512;

export type LongNameKind = 'name' | 'target';

export function gnuLongNameRecord(kind: LongNameKind, bytes: Buffer): Buffer {
  const content = Buffer.concat([bytes, Buffer.alloc(1)]); // NUL-terminated, as GNU tar writes it
  const record = Buffer.alloc(blockSize + Math.ceil(content.length / blockSize) * blockSize);
  const header = record.subarray(0, blockSize);
  header.write('././@LongLink', 0, 'ascii');
  header.write(octal(0o644, 7), 100, 'ascii'); // mode
  header.write(octal(0, 7), 108, 'ascii'); // uid
  header.write(octal(0, 7), 116, 'ascii'); // gid
  header.write(octal(content.length, 11), 124, 'ascii'); // size
  header.write(octal(0, 11), 136, 'ascii'); // mtime
  header.write(kind === 'name' ? 'L' : 'K', 156, 'ascii');
  header.write('ustar  \0', 257, 'ascii'); // GNU magic and version
  header.fill(' ', 148, 156); // the checksum counts its own field as spaces
  const checksum = header.reduce((sum, byte) => sum + byte, 0);
  header.write(`${checksum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  content.copy(record, blockSize);
  return record;
}

function octal(value: number, digits: number): string {
  return `${value.toString(8).padStart(digits, '0')}\0`;
}
