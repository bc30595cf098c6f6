/** Writes a file's whole content through a FileWriter, and closes it whatever happens. */
import type { FileWriter } from './entry-sink';

export async function writeThrough(writer: FileWriter, content: readonly Buffer[]): Promise<void> {
  try {
    for (const piece of content) await writer.write(piece);
    await writer.finish();
  } catch (err) {
    await writer.abandon();
    throw err;
  }
}
