/**
 * Checks names and symlink targets read from an archive, which is hostile
 * input: nothing in it may place or point anything outside the folder it is
 * restored into. Each check returns the problem in words, or the safe value.
 */

export type Checked<T> = { ok: T } | { problem: string };

/** A safe relative '/'-separated path, with '.' and empty components dropped. */
export function checkEntryName(name: string): Checked<string> {
  if (name.includes('\0')) return { problem: 'contains a NUL character' };
  if (name.includes('\\')) return { problem: 'contains a backslash' };
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return { problem: 'is an absolute path' };
  const parts = name.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) return { problem: 'contains a ".." component' };
  if (parts.length === 0) return { problem: 'has an empty name' };
  return { ok: parts.join('/') };
}

/**
 * A symlink may only point inside the restore folder. Its target must go up
 * (leading '..') no further than the link's own depth, and then only down: a
 * '..' after a name could climb out of a folder reached through another
 * symlink, which no lexical check can see, so such targets are refused.
 */
export function checkLinkTarget(linkPath: string, target: string): Checked<string> {
  if (target === '') return { problem: 'is a symlink with an empty target' };
  if (target.includes('\0')) return { problem: 'is a symlink whose target contains a NUL character' };
  if (target.startsWith('/')) return { problem: `is a symlink to the absolute path ${quoted(target)}, outside the restore folder` };
  const parts = target.split('/').filter((part) => part !== '' && part !== '.');
  const climbs = parts.findIndex((part) => part !== '..');
  const up = climbs === -1 ? parts.length : climbs;
  if (parts.slice(up).includes('..')) return { problem: `is a symlink to ${quoted(target)}, which goes back up after going down` };
  const depth = linkPath.split('/').length - 1;
  if (up > depth) return { problem: `is a symlink to ${quoted(target)}, outside the restore folder` };
  return { ok: target };
}

/** Names come from the archive: quote them with control characters escaped, so they cannot forge a message. */
export function quoted(name: string): string {
  return JSON.stringify(name);
}
