/** The registry's log: request lines batched per turn of the event loop, none lost when the process exits. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { batchedLogger } from '../../src/core/log';

const nextTurn = () => new Promise((resolvePromise) => setImmediate(resolvePromise));

test('lines logged in one turn of the event loop go out in one write, in order, one JSON object a line', async () => {
  const writes: string[] = [];
  const log = batchedLogger((text) => writes.push(text));
  log.info({ event: 'request', n: 1 });
  log.info({ event: 'request', n: 2 });
  log.error({ event: 'error', n: 3 });
  assert.equal(writes.length, 0, 'nothing is written while the turn runs');

  await nextTurn();
  assert.equal(writes.length, 1);
  assert.ok(writes[0].endsWith('\n'));
  const lines = writes[0].split('\n').slice(0, -1).map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(
    lines.map(({ level, event, n }) => ({ level, event, n })),
    [
      { level: 'info', event: 'request', n: 1 },
      { level: 'info', event: 'request', n: 2 },
      { level: 'error', event: 'error', n: 3 },
    ],
  );

  log.info({ event: 'request', n: 4 });
  await nextTurn();
  assert.equal(writes.length, 2, 'a later turn gets a write of its own');
  assert.equal((JSON.parse(writes[1]) as { n: number }).n, 4);
});

test('lines still queued when the process exits are written before it ends', () => {
  const child = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `const { batchedLogger } = require('./src/core/log');
       const log = batchedLogger((text) => process.stdout.write(text));
       log.info({ event: 'stopped' });
       process.exit(3);`,
    ],
    { cwd: resolve(__dirname, '../..'), encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(child.status, 3, child.stderr);
  assert.match(child.stdout, /^\{"level":"info","time":"[^"]+","event":"stopped"\}\n$/);
});
