/**
 * Splits the tree's bytes into lines as its chunks arrive: a line may start
 * in one chunk and end several chunks later. The pieces of an unfinished
 * line are kept as they came and joined once, when its newline arrives, so a
 * long line costs one copy, not one per chunk.
 */
const newline = 0x0a;

export class LineSplitter {
  private pieces: Buffer[] = [];
  private pending = 0;

  /** `maxLineBytes`: a line longer than this is refused before it is held whole. */
  constructor(private readonly maxLineBytes: number) {}

  /** The lines `data` completes, without their newlines; undefined once an unfinished line passes maxLineBytes. */
  push(data: Buffer): string[] | undefined {
    const lines: string[] = [];
    let start = 0;
    for (let end = data.indexOf(newline); end !== -1; end = data.indexOf(newline, start)) {
      if (this.pieces.length === 0) {
        // Most lines lie within one read: decoded where they are, with no copy.
        lines.push(data.toString('utf8', start, end));
      } else {
        this.pieces.push(data.subarray(start, end));
        lines.push(Buffer.concat(this.pieces).toString('utf8'));
        this.pieces = [];
        this.pending = 0;
      }
      start = end + 1;
    }
    if (start < data.length) {
      this.pieces.push(data.subarray(start));
      this.pending += data.length - start;
      if (this.pending > this.maxLineBytes) return undefined;
    }
    return lines;
  }

  /** Whether the bytes ended with a whole line. */
  get atLineEnd(): boolean {
    return this.pending === 0;
  }
}
