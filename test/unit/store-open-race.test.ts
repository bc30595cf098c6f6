/**
 * Editor windows starting together for the first time all create the same
 * database: each is a process of its own, so this test opens one new file
 * from several processes at once, round after round.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test, type TestContext } from 'node:test';
import { tempDir } from '../helpers/temp';

const worker = join(__dirname, 'store-open-worker.ts');

/** A worker process: give it a database to open, then read its answer. */
function startOpener(t: TestContext): { open(file: string): void; answer(): Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', worker], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  t.after(async () => {
    child.stdin.end();
    await exited;
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    open: (file) => child.stdin.write(`${file}\n`),
    answer: async () => {
      const line = await lines.next();
      if (line.done) throw new Error(`worker ${child.pid} exited without answering`);
      return line.value;
    },
  };
}

test('several processes opening the same new database at once all get it (editor windows on first start)', async (t) => {
  const openers = Array.from({ length: 4 }, () => startOpener(t));
  for (const opener of openers) assert.equal(await opener.answer(), 'ready');
  for (let round = 0; round < 10; round++) {
    const file = join(tempDir(t), 'peer-backup.db');
    for (const opener of openers) opener.open(file);
    const answers = await Promise.all(openers.map((opener) => opener.answer()));
    assert.deepEqual(answers, openers.map(() => 'opened'), `round ${round}`);
  }
});
