/** A small workspace with the shapes a backup must keep: nesting, an empty folder, a symlink, odd names, an executable. */
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function writeFixtureTree(root: string): string {
  mkdirSync(join(root, 'src', 'nested', 'deeper'), { recursive: true });
  mkdirSync(join(root, 'empty folder'));
  writeFileSync(join(root, 'src', 'main.ts'), 'export const answer = 42;\n');
  writeFileSync(join(root, 'src', 'nested', 'deeper', 'data.bin'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) % 256)));
  writeFileSync(join(root, 'résumé final.txt'), 'non-ASCII and spaces\n');
  writeFileSync(join(root, 'run.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(join(root, 'run.sh'), 0o755);
  symlinkSync('src/main.ts', join(root, 'link-to-main'));
  return root;
}
