/**
 * A bundle of small files: the lines of the entries that wait for its chunk
 * are written once it is named, exactly as each entry would have been
 * encoded with that chunk, in walk order, and the chunks they reference
 * follow in the same order.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { SmallFileBundle } from '../../src/core/backup/small-file-bundle';
import { encodeTreeEntry, type TreeEntry } from '../../src/core/snapshot/tree-entry';

const idOf = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

function recordingBundle() {
  const recorded = { lines: [] as string[], references: [] as string[], named: [] as [string, number][], bundles: [] as Buffer[] };
  const bundle = new SmallFileBundle(
    async (plaintext) => (recorded.bundles.push(plaintext), idOf(plaintext)),
    {
      record: (entry) => {
        recorded.lines.push(encodeTreeEntry(entry));
        if (entry.type === 'file') recorded.references.push(...entry.chunks);
        return undefined;
      },
      recordLines: (lines, references) => {
        recorded.lines.push(lines.toString('latin1'));
        recorded.references.push(...references);
        return undefined;
      },
    },
    (id, files) => recorded.named.push([id, files]),
  );
  return { bundle, recorded };
}

const folder = (path: string): TreeEntry => ({ type: 'directory', path: Buffer.from(path), mode: 0o755, mtimeMs: 1_700_000_000_000 });
const file = (path: Buffer | string, size: number, chunks: string[] = []): TreeEntry & { type: 'file' } => ({
  type: 'file',
  path: Buffer.from(path),
  mode: 0o644,
  mtimeMs: 1_700_000_000_123,
  size,
  chunks,
});

test('entries waiting on a bundle get the lines and references they would have had, in walk order', async () => {
  const { bundle, recorded } = recordingBundle();
  const large = 'a'.repeat(64);
  // Paths that make the line's bytes differ from its characters, or hold what the chunk list starts with.
  const names = [Buffer.from('top/fïlé-ü'), Buffer.from('top/"c":["x'), Buffer.from([0x74, 0x6f, 0x70, 0x2f, 0xff, 0xfe])];
  const contents = [Buffer.from('first file'), Buffer.from('second'), Buffer.from('third, not UTF-8 in its name')];

  assert.equal(bundle.add(folder('top')), undefined);
  assert.equal(bundle.nextOffset, 0);
  await bundle.addFile(file(names[0]!, contents[0]!.length), contents[0]!);
  await bundle.add(folder('top/sub'));
  await bundle.add(file('top/sub/large', 3_000_000, [large]));
  await bundle.addFile(file(names[1]!, contents[1]!.length), contents[1]!);
  await bundle.addFile(file(names[2]!, contents[2]!.length), contents[2]!);
  assert.equal(recorded.lines.length, 1, 'the entries from the first bundled file on wait');
  await bundle.cut();

  const id = idOf(Buffer.concat(contents));
  assert.deepEqual(recorded.bundles, [Buffer.concat(contents)]);
  assert.deepEqual(recorded.named, [[id, 3]]);
  const expected = [
    folder('top'),
    { ...file(names[0]!, contents[0]!.length, [id]), offset: 0 },
    folder('top/sub'),
    file('top/sub/large', 3_000_000, [large]),
    { ...file(names[1]!, contents[1]!.length, [id]), offset: contents[0]!.length },
    { ...file(names[2]!, contents[2]!.length, [id]), offset: contents[0]!.length + contents[1]!.length },
  ];
  assert.equal(recorded.lines.join(''), Buffer.from(expected.map(encodeTreeEntry).join(''), 'utf8').toString('latin1'));
  assert.deepEqual(recorded.references, [id, large]);

  // Nothing is open now: the next entry is recorded at once.
  await bundle.add(folder('after'));
  assert.equal(recorded.lines.at(-1), encodeTreeEntry(folder('after')));
});

test('a file alone in its bundle is stored as a whole file, with no offset', async () => {
  const { bundle, recorded } = recordingBundle();
  const content = Buffer.from('alone');
  await bundle.addFile(file('only', content.length), content);
  await bundle.add(folder('later'));
  await bundle.cut();
  const id = idOf(content);
  assert.deepEqual(recorded.named, [[id, 1]]);
  assert.equal(recorded.lines.join(''), encodeTreeEntry(file('only', content.length, [id])) + encodeTreeEntry(folder('later')));
  assert.doesNotMatch(recorded.lines.join(''), /"o":/);
});

test('bundle after bundle, with lines of every length, each line names its own bundle and offset', async () => {
  const { bundle, recorded } = recordingBundle();
  const expected: TreeEntry[] = [];
  let inBundle: { entry: TreeEntry & { type: 'file' }; content: Buffer }[] = [];
  const cut = async () => {
    await bundle.cut();
    const id = idOf(Buffer.concat(inBundle.map(({ content }) => content)));
    let offset = 0;
    for (const { entry, content } of inBundle) {
      expected.push(inBundle.length === 1 ? { ...entry, chunks: [id] } : { ...entry, chunks: [id], offset });
      offset += content.length;
    }
    inBundle = [];
  };
  // A fixed pseudo-random sequence: lines of a new bundle end anywhere among the bytes the last ones left.
  let seed = 1;
  const next = (below: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed % below);
  for (let index = 0; index < 5_000; index++) {
    const content = Buffer.from(`content ${index}`);
    const entry = file(`d/${'n'.repeat(next(150))}-${index}`, content.length);
    inBundle.push({ entry: { ...entry }, content });
    await bundle.addFile(entry, content);
    if (next(4) === 0) await cut();
  }
  await cut();
  assert.equal(recorded.lines.join(''), expected.map(encodeTreeEntry).join(''));
});

test('a waiting file of very many chunks is written whole, and the bundles after it are too', async () => {
  const { bundle, recorded } = recordingBundle();
  const many = Array.from({ length: 80_000 }, (_, index) => idOf(Buffer.from(String(index))));
  const contents = [Buffer.from('before'), Buffer.from('after')];
  await bundle.addFile(file('a', contents[0]!.length), contents[0]!);
  await bundle.add(file('huge', 80_000 * 1024 * 1024, many));
  await bundle.cut();
  await bundle.addFile(file('b', 5), contents[1]!);
  await bundle.add(folder('c'));
  await bundle.cut();
  const [first, second] = contents.map(idOf);
  const expected = [file('a', contents[0]!.length, [first!]), file('huge', 80_000 * 1024 * 1024, many), file('b', 5, [second!]), folder('c')];
  assert.equal(recorded.lines.join(''), expected.map(encodeTreeEntry).join(''));
  assert.deepEqual(recorded.references, [first, ...many, second]);
});
