/**
 * How a built CLI is started the way its installed `peer-backup` command
 * starts it: with the Node options its first line gives
 * (`#!/usr/bin/env -S node --option ...`), run by this very Node. So the
 * tests and the benches measure the command a user runs, and a baseline
 * build with other options is run with its own.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** The arguments to give `process.execPath`: the CLI's Node options, then the file. */
export function cliArgs(cliFile: string): string[] {
  const head = Buffer.alloc(256);
  const fd = openSync(cliFile, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const firstLine = head.toString('latin1').split('\n')[0]!;
  const match = /^#!\/usr\/bin\/env (?:-S )?node((?: --[a-z-]+(?:=\S+)?)*)$/.exec(firstLine);
  if (match === null) throw new Error(`${cliFile} does not start with "#!/usr/bin/env node" or "#!/usr/bin/env -S node" and options`);
  return [...match[1]!.split(' ').filter((option) => option !== ''), cliFile];
}
