import assert from 'node:assert/strict';
import { test } from 'node:test';
import { printable } from '../../src/core/printable';

test('control characters, C1 controls and DEL are shown as \\xNN escapes', () => {
  assert.equal(printable('plan\x1b[2Jgone'), 'plan\\x1b[2Jgone');
  assert.equal(printable('a\nb\rc\td\x00e\x7f'), 'a\\x0ab\\x0dc\\x09d\\x00e\\x7f');
  assert.equal(printable('\u009b31m'), '\\x9b31m');
});

test('bidirectional overrides, isolates and marks are shown as \\u{...} escapes', () => {
  assert.equal(printable('invoice\u202efdp.exe'), 'invoice\\u{202e}fdp.exe');
  assert.equal(printable('\u2066x\u2069\u200f\u061c'), '\\u{2066}x\\u{2069}\\u{200f}\\u{61c}');
});

test('ordinary text, accents, other scripts and emoji pass unchanged', () => {
  for (const text of ['résumé final.txt', 'C:\\Users\\me', 'שלום', '日本語', 'backup 🚀', '']) assert.equal(printable(text), text);
});
