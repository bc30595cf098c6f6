/** `npm run bench`: runs every bench/*.ts except this one, one after another, and fails if any fails. */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

const benches = readdirSync(__dirname)
  .filter((name) => name.endsWith('.ts') && name !== basename(__filename))
  .sort();
let failed = 0;
for (const name of benches) {
  process.stdout.write(`\n=== bench/${name}\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, name)], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    process.stdout.write(`bench/${name} failed (exit ${result.status ?? result.signal})\n`);
  }
}
process.exitCode = failed === 0 ? 0 : 1;
