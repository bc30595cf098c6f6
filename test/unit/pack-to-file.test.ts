/** packToFile is all or nothing: a cancelled pack leaves neither the file nor its temporary sibling. */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors';
import { packToFile } from '../../src/core/pack';
import type { Plan } from '../../src/core/store';
import { tempDir } from '../helpers/temp';

function planOver(sourcePath: string): Plan {
  return { id: 1, name: 'demo', destination: null, schedule: 'manual', enabled: true, excludes: [], respectGitignore: false, createdAt: 0, updatedAt: 0, items: [{ sourcePath, archivePath: 'ws' }] };
}

test('a pack cancelled part way leaves no file and no temporary file', async (t) => {
  const dir = tempDir(t);
  const ws = join(dir, 'ws');
  mkdirSync(ws);
  for (let i = 0; i < 8; i++) writeFileSync(join(ws, `part-${i}.bin`), Buffer.alloc(2 * 1024 * 1024, i));
  const out = join(dir, 'out');
  mkdirSync(out);
  const cancel = new AbortController();
  const packing = packToFile(planOver(ws), join(out, 'demo.tar.gz'), {
    force: false,
    signal: cancel.signal,
    onProgress: (progress) => {
      if (progress.files === 3) cancel.abort();
    },
  });
  await assert.rejects(packing, (err: Error) => err instanceof UserError && /cancelled; .*demo\.tar\.gz was not written/.test(err.message));
  assert.deepEqual(readdirSync(out), []);
});

test('a completed pack leaves exactly the named file', async (t) => {
  const dir = tempDir(t);
  const ws = join(dir, 'ws');
  mkdirSync(ws);
  writeFileSync(join(ws, 'a.txt'), 'a');
  const report = await packToFile(planOver(ws), join(dir, 'demo.tar.gz'), { force: false });
  assert.deepEqual(readdirSync(dir).sort(), ['demo.tar.gz', 'ws']);
  assert.equal(report.files, 1);
  assert.ok(report.archiveBytes > 0);
});
