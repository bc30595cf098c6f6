import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { openStore } from '../../src/core/store';
import { tempDir } from '../helpers/temp';

test('several processes opening the same new database at once all get it (editor windows on first start)', async (t) => {
  for (let round = 0; round < 20; round++) {
    const file = join(tempDir(t), 'peer-backup.db');
    const opened = await Promise.allSettled([openStore(file), openStore(file), openStore(file)]);
    const failures = opened.filter((result) => result.status === 'rejected').map((result) => String((result as PromiseRejectedResult).reason));
    await Promise.all(opened.map((result) => (result.status === 'fulfilled' ? result.value.close() : undefined)));
    assert.deepEqual(failures, [], `round ${round}`);
  }
});
