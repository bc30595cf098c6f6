import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineSplitter } from '../../src/core/restore/tree-lines';

test('lines come whole however the bytes are cut, a character split between reads included', () => {
  const text = 'first line\nsecond, with ünïcödé → here\n\nlast line\n';
  const bytes = Buffer.from(text);
  for (let step = 1; step <= bytes.length; step++) {
    const splitter = new LineSplitter(1024);
    const lines: string[] = [];
    for (let at = 0; at < bytes.length; at += step) lines.push(...splitter.push(bytes.subarray(at, at + step))!);
    assert.deepEqual(lines, ['first line', 'second, with ünïcödé → here', '', 'last line'], `reads of ${step} bytes`);
    assert.ok(splitter.atLineEnd);
  }
});

test('an unfinished line is held until its newline, and refused once it passes the bound', () => {
  const splitter = new LineSplitter(8);
  assert.deepEqual(splitter.push(Buffer.from('done\nhalf')), ['done']);
  assert.equal(splitter.atLineEnd, false);
  assert.deepEqual(splitter.push(Buffer.from('way\n')), ['halfway']);
  assert.ok(splitter.atLineEnd);
  assert.equal(splitter.push(Buffer.from('far too long')), undefined);
});
