/**
 * For store-open-race.test.ts: a process that opens (and closes) a database
 * each time its path arrives on stdin, as an editor window does on its first
 * start. It says "ready" once loaded, then answers each path with "opened" or
 * the error, one line each, and exits when stdin ends.
 */
import { createInterface } from 'node:readline';
import { openStore } from '../../src/core/store';

createInterface({ input: process.stdin }).on('line', (file) => {
  void openStore(file)
    .then((store) => store.close())
    .then(
      () => 'opened',
      (err: unknown) => `failed: ${String(err)}`,
    )
    .then((answer) => process.stdout.write(`${answer}\n`));
});
process.stdout.write('ready\n');
