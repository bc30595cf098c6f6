import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliArgs, cliEnv } from '../../scripts/lib/cli-args';

/** A script that prints the allocator setting and the Node options it runs with. */
const reportScript = 'process.stdout.write(JSON.stringify({ arenas: process.env.MALLOC_ARENA_MAX ?? null, options: process.execArgv }));\n';

function scriptWith(t: { after: (fn: () => void) => void }, firstLine: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cli-args-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'cli.js');
  writeFileSync(file, `${firstLine}\n${reportScript}`);
  chmodSync(file, 0o755);
  return file;
}

test('the CLI is started with the variables and options of its first line, as its own first line starts it', (t) => {
  const file = scriptWith(t, '#!/usr/bin/env -S MALLOC_ARENA_MAX=1 node --max-semi-space-size=1 --heap-growing-percent=100');
  assert.deepEqual(cliArgs(file), ['--max-semi-space-size=1', '--heap-growing-percent=100', file]);
  assert.deepEqual(cliEnv(file, { HOME: '/home/someone', MALLOC_ARENA_MAX: '8' }), { HOME: '/home/someone', MALLOC_ARENA_MAX: '1' });

  const expected = { arenas: '1', options: ['--max-semi-space-size=1', '--heap-growing-percent=100'] };
  const env = { ...process.env, MALLOC_ARENA_MAX: undefined };
  assert.deepEqual(JSON.parse(execFileSync(process.execPath, cliArgs(file), { encoding: 'utf8', env: cliEnv(file, env) })), expected);
  assert.deepEqual(JSON.parse(execFileSync(file, [], { encoding: 'utf8', env })), expected, 'the first line itself runs the same way');
});

test('a first line without variables or options adds nothing', (t) => {
  const file = scriptWith(t, '#!/usr/bin/env node');
  assert.deepEqual(cliArgs(file), [file]);
  assert.deepEqual(cliEnv(file, { HOME: '/home/someone' }), { HOME: '/home/someone' });
});

test('a first line that does not start Node is refused, naming the file', (t) => {
  const file = scriptWith(t, '#!/bin/sh');
  assert.throws(() => cliArgs(file), (err: Error) => err.message.includes(file) && err.message.includes('#!/usr/bin/env'));
});
