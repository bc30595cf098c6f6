import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeTreeLine, encodeTreeEntry, maxSharedChunkBytes, TreeFormatError, type TreeEntry } from '../../src/core/snapshot/tree-entry';

const idA = 'a'.repeat(64);
const idB = '0123456789abcdef'.repeat(4);

test('a file line has its keys in the documented order, as JSON.stringify would write them', () => {
  const entry: TreeEntry = { type: 'file', path: Buffer.from('src/"quoted"\\\n\u00e9.ts'), mode: 0o100644, mtimeMs: 1_700_000_000_123.9, size: 42, chunks: [idA, idB] };
  const expected = `${JSON.stringify({ p: 'src/"quoted"\\\n\u00e9.ts', t: 'f', m: 0o644, mt: 1_700_000_000_123, s: 42, c: [idA, idB] })}\n`;
  assert.equal(encodeTreeEntry(entry), expected);
  assert.deepEqual(decodeTreeLine(expected.slice(0, -1)), { ...entry, mode: 0o644, mtimeMs: 1_700_000_000_123 });
});

test('an empty file has no chunk key; a time before the epoch truncates towards zero, never to -0', () => {
  const line = encodeTreeEntry({ type: 'file', path: Buffer.from('empty'), mode: 0o600, mtimeMs: -0.5, size: 0, chunks: [] });
  assert.equal(line, '{"p":"empty","t":"f","m":384,"mt":0,"s":0}\n');
});

test('names that are not UTF-8 travel as base64, for paths and link targets alike', () => {
  const path = Buffer.from([0x64, 0xff, 0x2f, 0x6c]);
  const target = Buffer.from([0xfe, 0x41]);
  const line = encodeTreeEntry({ type: 'symlink', path, mode: 0o777, mtimeMs: 5, target });
  assert.equal(line, `{"pb":"${path.toString('base64')}","t":"l","m":511,"mt":5,"lb":"${target.toString('base64')}"}\n`);
  assert.deepEqual(decodeTreeLine(line.trimEnd()), { type: 'symlink', path, mode: 0o777, mtimeMs: 5, target });
});

test('a folder line carries no size', () => {
  assert.equal(encodeTreeEntry({ type: 'directory', path: Buffer.from('a b'), mode: 0o40755, mtimeMs: 1 }), '{"p":"a b","t":"d","m":493,"mt":1}\n');
});

test('a small file stored as a slice carries its offset after its one chunk, and reads back with it', () => {
  const entry: TreeEntry = { type: 'file', path: Buffer.from('s.txt'), mode: 0o644, mtimeMs: 9, size: 12, chunks: [idA], offset: 4096 };
  const line = encodeTreeEntry(entry);
  assert.equal(line, `{"p":"s.txt","t":"f","m":420,"mt":9,"s":12,"c":["${idA}"],"o":4096}\n`);
  assert.deepEqual(decodeTreeLine(line.trimEnd()), entry);
});

test('an offset is refused on a file with other than one chunk, on an empty slice, past the largest shared chunk, and off files', () => {
  const bad = [
    `{"p":"a","t":"f","m":420,"mt":0,"s":3,"c":["${idA}","${idB}"],"o":0}`,
    `{"p":"a","t":"f","m":420,"mt":0,"s":3,"o":0}`,
    `{"p":"a","t":"f","m":420,"mt":0,"s":0,"c":["${idA}"],"o":0}`,
    `{"p":"a","t":"f","m":420,"mt":0,"s":3,"c":["${idA}"],"o":${maxSharedChunkBytes - 2}}`,
    `{"p":"a","t":"f","m":420,"mt":0,"s":3,"c":["${idA}"],"o":-1}`,
    `{"p":"a","t":"d","m":493,"mt":0,"o":0}`,
  ];
  for (const line of bad) assert.throws(() => decodeTreeLine(line), TreeFormatError, line);
  const lastSlice = `{"p":"a","t":"f","m":420,"mt":0,"s":3,"c":["${idA}"],"o":${maxSharedChunkBytes - 3}}`;
  assert.equal(decodeTreeLine(lastSlice).type, 'file', 'a slice may end at the last byte a shared chunk may hold');
});

test('every field of a line is checked: unknown keys, types, ranges, base64 and chunk IDs are refused with the field named', () => {
  const refusals: [string, RegExp][] = [
    ['[]', /not an object/],
    [`{"p":"a","t":"f","m":420,"mt":0,"s":1,"c":["${idA}"],"x":1}`, /unknown key "x"/],
    ['{"p":"a","t":"x","m":420,"mt":0}', /"t"/],
    ['{"p":"a","t":"d","m":4096,"mt":0}', /"m" is not an integer/],
    ['{"p":"a","t":"d","m":420.5,"mt":0}', /"m" is not an integer/],
    ['{"p":"a","t":"d","m":420,"mt":"0"}', /"mt" is not an integer/],
    ['{"p":"a","t":"f","m":420,"mt":0,"s":-1}', /"s" is not an integer/],
    ['{"pb":"YQ=","t":"d","m":420,"mt":0}', /"pb" is not base64/],
    [`{"p":"${'a'.repeat(64 * 1024 + 1)}","t":"d","m":420,"mt":0}`, /"p" is not text of at most/],
    [`{"p":"a","t":"f","m":420,"mt":0,"s":1,"c":["${idA.toUpperCase()}"]}`, /"c" is not a list/],
    ['{"p":"a","t":"f","m":420,"mt":0,"s":1,"c":"ab"}', /"c" is not a list/],
  ];
  for (const [line, reason] of refusals) assert.throws(() => decodeTreeLine(line), (err: Error) => err instanceof TreeFormatError && reason.test(err.message), line.slice(0, 80));
  assert.deepEqual(decodeTreeLine('{"pb":"YWI=","t":"d","m":493,"mt":-5}'), { type: 'directory', path: Buffer.from('ab'), mode: 0o755, mtimeMs: -5 });
});

test('a path must be plain and relative: no empty, "." or ".." part, no NUL; names that only start with dots are fine', () => {
  const line = (path: string) => JSON.stringify({ p: path, t: 'd', m: 0o755, mt: 0 });
  for (const path of ['a', 'a/b', '.a', 'a/..b', '...', 'a/.b./c']) assert.equal(decodeTreeLine(line(path)).path.toString(), path);
  for (const path of ['', '/a', 'a/', 'a//b', '.', '..', 'a/.', 'a/..', './a', '../a', 'a/./b', 'a/../b', 'a\u0000b']) {
    assert.throws(() => decodeTreeLine(line(path)), TreeFormatError, JSON.stringify(path));
  }
});
