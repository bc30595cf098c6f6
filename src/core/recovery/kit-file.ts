/**
 * This machine's current recovery kit, kept in the home as
 * `recovery-kit.json` (the sealed kit, its lookup ID and its verifier's
 * hash: nothing that opens it), and the code of a kit made without a person
 * watching (at the first backup) in `recovery-code` until it is shown once.
 * Both are mode 0600 and written whole or not at all.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from '../schema';
import { UserError } from '../errors';
import { publishFile, tempPathBeside, writeNewFile } from '../util/publish-file';
import { kitUploadSchema, type KitUpload } from './kit-protocol';

export const kitFileName = 'recovery-kit.json';
export const pendingCodeFileName = 'recovery-code';

const kitFileSchema = z.extend(kitUploadSchema, { createdAt: z.int() });
export type KitFile = z.infer<typeof kitFileSchema>;

export async function readKitFile(homeDir: string): Promise<KitFile | undefined> {
  const file = join(homeDir, kitFileName);
  const text = await readOptional(file);
  if (text === undefined) return undefined;
  let parsed;
  try {
    parsed = kitFileSchema.safeParse(JSON.parse(text));
  } catch {
    parsed = undefined;
  }
  if (!parsed?.success) throw new UserError(`${file} is not a recovery kit Peer Backup wrote: move it aside and run "peer-backup recovery-kit --new" to make a new code.`, { code: 'damaged' });
  return parsed.data;
}

/** Writes the kit, replacing the current one (a new code replaces the old), and the code to show once when `pendingCode` is given. */
export async function writeKitFile(homeDir: string, upload: KitUpload, createdAt: number, pendingCode?: string): Promise<KitFile> {
  const kit: KitFile = { ...upload, createdAt };
  await rm(join(homeDir, pendingCodeFileName), { force: true });
  if (pendingCode !== undefined) await writeNewFile(join(homeDir, pendingCodeFileName), `${pendingCode}\n`, 0o600);
  const target = join(homeDir, kitFileName);
  const temp = tempPathBeside(target);
  await writeFile(temp, JSON.stringify(kit), { mode: 0o600, flag: 'wx' });
  await publishFile(temp, target, { replace: true });
  return kit;
}

/** The code of a kit made at a backup, once: it is removed as it is read. */
export async function takePendingCode(homeDir: string): Promise<string | undefined> {
  const file = join(homeDir, pendingCodeFileName);
  const text = await readOptional(file);
  if (text === undefined) return undefined;
  await rm(file, { force: true });
  return text.trim();
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
