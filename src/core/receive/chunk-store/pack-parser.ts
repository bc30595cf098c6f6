/**
 * Reads a pack as it arrives, one piece at a time, and holds it to what a
 * pack may be: ustar headers with valid checksums, regular files only, each
 * named by a chunk ID (a reference chunk with `.r`) once, each within its
 * kind's length bound, a reference chunk's bytes hashing to its name, and
 * nothing after the end-of-archive blocks. A parser of its own rather than a
 * tar library: it must know where each entry's data starts in the file.
 */
import { createHash, type Hash } from 'node:crypto';
import { UserError } from '../../errors';
import { chunkOfEntryName, entryName, lengthProblem, type PackEntry } from './pack-entries';

const blockBytes = 512;

type State =
  | { step: 'header' }
  | { step: 'data'; entry: PackEntry; left: number; hash?: Hash }
  | { step: 'padding'; left: number }
  | { step: 'second-end-block' }
  | { step: 'ended' };

export class PackParser {
  private state: State = { step: 'header' };
  private readonly entries: PackEntry[] = [];
  private readonly names = new Set<string>();
  /** Bytes of a header block not yet whole. */
  private pending = Buffer.alloc(0);
  /** Where the next byte given falls in the pack. */
  private position = 0;

  /** Reads the next piece of the pack; throws a UserError ('bad-input') at the first thing a pack may not hold. */
  push(piece: Buffer): void {
    let rest = piece;
    while (rest.length > 0) {
      const used = this.consume(rest);
      this.position += used;
      rest = rest.subarray(used);
    }
  }

  /** The pack's entries, once all of it was pushed; throws when it ended early. */
  finish(): PackEntry[] {
    if (this.state.step !== 'ended') throw bad('it ends before its end-of-archive blocks');
    return this.entries;
  }

  /** Consumes bytes from the front of `piece` and says how many. */
  private consume(piece: Buffer): number {
    const state = this.state;
    switch (state.step) {
      case 'header':
      case 'second-end-block': {
        const wanted = blockBytes - this.pending.length;
        const taken = piece.subarray(0, wanted);
        this.pending = Buffer.concat([this.pending, taken]);
        if (this.pending.length === blockBytes) {
          const block = this.pending;
          this.pending = Buffer.alloc(0);
          this.onBlock(block, this.position + taken.length);
        }
        return taken.length;
      }
      case 'data': {
        const taken = piece.subarray(0, state.left);
        state.hash?.update(taken);
        state.left -= taken.length;
        if (state.left === 0) this.onDataEnd(state.entry, state.hash);
        return taken.length;
      }
      case 'padding': {
        const taken = Math.min(state.left, piece.length);
        state.left -= taken;
        if (state.left === 0) this.state = { step: 'header' };
        return taken;
      }
      case 'ended':
        throw bad('it holds bytes after its end-of-archive blocks');
    }
  }

  /** A whole 512-byte block, ending at `end` in the pack. */
  private onBlock(block: Buffer, end: number): void {
    const zero = block.every((byte) => byte === 0);
    if (this.state.step === 'second-end-block') {
      if (!zero) throw bad('its end-of-archive marker is a single zero block');
      this.state = { step: 'ended' };
      return;
    }
    if (zero) {
      this.state = { step: 'second-end-block' };
      return;
    }
    const entry = this.readHeader(block, end);
    this.entries.push(entry);
    this.state = { step: 'data', entry, left: entry.length, hash: entry.kind === 'reference' ? createHash('sha256') : undefined };
    if (entry.length === 0) this.onDataEnd(entry, this.state.hash);
  }

  private readHeader(block: Buffer, dataOffset: number): PackEntry {
    const storedSum = octal(block.subarray(148, 156));
    let sum = 0;
    for (let i = 0; i < blockBytes; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
    if (storedSum !== sum) throw bad(`the header at byte ${dataOffset - blockBytes} has a wrong checksum`);
    const magic = block.toString('latin1', 257, 263);
    if (magic !== 'ustar\0' && magic !== 'ustar ') throw bad(`the header at byte ${dataOffset - blockBytes} is not a ustar header`);
    const type = block[156];
    if (type !== 0x30 && type !== 0) throw bad(`the entry at byte ${dataOffset - blockBytes} is not a regular file`);
    if (block[345] !== 0) throw bad(`the entry at byte ${dataOffset - blockBytes} has a name prefix; entry names are chunk IDs`);
    const name = block.toString('latin1', 0, nulAt(block, 0, 100));
    const chunk = chunkOfEntryName(name);
    // Names are checked against a pattern before they are put in a message.
    if (!chunk) throw bad(`the entry at byte ${dataOffset - blockBytes} is not named by a chunk ID`);
    if (this.names.has(name)) throw bad(`it holds entry ${name} twice`);
    this.names.add(name);
    const length = octal(block.subarray(124, 136));
    if (length === undefined) throw bad(`entry ${name} has an unreadable size`);
    const problem = lengthProblem(chunk.kind, length);
    if (problem) throw bad(`entry ${name} is ${length} bytes, but ${problem}`);
    return { ...chunk, offset: dataOffset, length };
  }

  private onDataEnd(entry: PackEntry, hash: Hash | undefined): void {
    if (hash && hash.digest('hex') !== entry.id) throw bad(`reference chunk ${entryName(entry)} does not hash to its name`);
    const padding = (blockBytes - (entry.length % blockBytes)) % blockBytes;
    this.state = padding === 0 ? { step: 'header' } : { step: 'padding', left: padding };
  }
}

function nulAt(block: Buffer, start: number, end: number): number {
  const at = block.indexOf(0, start);
  return at === -1 || at > end ? end : at;
}

/** An octal tar number field (NUL or space terminated); undefined when it is not one. */
function octal(field: Buffer): number | undefined {
  const text = field.toString('latin1').replace(/[\0 ]+$/, '').replace(/^ +/, '');
  return /^[0-7]{1,12}$/.test(text) ? parseInt(text, 8) : undefined;
}

function bad(why: string): UserError {
  return new UserError(`the pack is not one Peer Backup stores: ${why}; nothing was stored`, { code: 'bad-input' });
}
