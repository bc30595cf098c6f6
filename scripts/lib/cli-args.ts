/**
 * How a built CLI is started the way its installed `peer-backup` command
 * starts it: with the environment and Node options its first line gives
 * (`#!/usr/bin/env -S NAME=value node --option ...`), run by this very Node.
 * So the tests and the benches measure the command a user runs, and a
 * baseline build with other options is run with its own.
 */
import { closeSync, openSync, readSync } from 'node:fs';

interface FirstLine {
  env: Record<string, string>;
  nodeOptions: string[];
}

function readFirstLine(cliFile: string): FirstLine {
  const head = Buffer.alloc(256);
  const fd = openSync(cliFile, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const firstLine = head.toString('latin1').split('\n')[0]!;
  const match = /^#!\/usr\/bin\/env (?:-S )?((?:[A-Z_]+=\S+ )*)node((?: --[a-z-]+(?:=\S+)?)*)$/.exec(firstLine);
  if (match === null) throw new Error(`${cliFile} does not start with "#!/usr/bin/env node" or "#!/usr/bin/env -S [NAME=value ...] node" and options`);
  const words = (text: string) => text.split(' ').filter((word) => word !== '');
  const env = Object.fromEntries(words(match[1]!).map((assignment) => [assignment.slice(0, assignment.indexOf('=')), assignment.slice(assignment.indexOf('=') + 1)]));
  return { env, nodeOptions: words(match[2]!) };
}

/** The arguments to give `process.execPath`: the CLI's Node options, then the file. */
export function cliArgs(cliFile: string): string[] {
  return [...readFirstLine(cliFile).nodeOptions, cliFile];
}

/** The environment to start the CLI in: `base` (this process's by default) with the variables its first line sets. */
export function cliEnv(cliFile: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...base, ...readFirstLine(cliFile).env };
}
