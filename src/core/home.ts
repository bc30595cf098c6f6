/**
 * The home folder holds this installation's database and keys. The extension
 * uses its global storage; the CLI takes --home, else PEER_BACKUP_HOME, else
 * ~/.peer-backup.
 */
import { mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { UserError } from './errors';

export interface Home {
  dir: string;
  databaseFile: string;
  /** Archives waiting to be sent. */
  spoolDir: string;
  /** Where the receiver keeps teammates' snapshots unless told otherwise. */
  defaultStorageDir: string;
}

export function homeAt(dir: string): Home {
  return { dir, databaseFile: join(dir, 'peer-backup.db'), spoolDir: join(dir, 'spool'), defaultStorageDir: join(dir, 'storage') };
}

/**
 * An explicitly named home must already exist: a mistyped --home silently
 * creating an empty database would hide the user's plans. Only the default
 * home is created on first use.
 */
export function resolveHome(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Home {
  const named = flag ?? env.PEER_BACKUP_HOME;
  if (named === undefined || named === '') {
    const dir = join(homedir(), '.peer-backup');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return homeAt(dir);
  }
  const dir = resolve(named);
  const source = flag === undefined ? 'PEER_BACKUP_HOME' : '--home';
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    throw new UserError(`The home folder ${dir} (from ${source}) does not exist: create it with "mkdir -p ${dir}", or fix ${source}.`);
  }
  if (!isDirectory) throw new UserError(`The home ${dir} (from ${source}) is not a folder: point ${source} at a folder.`);
  return homeAt(dir);
}
