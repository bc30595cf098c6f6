/** Why a path was left out of (or is doubtful in) the archive, in words the user can act on. */

interface FileKind {
  isFIFO(): boolean;
  isSocket(): boolean;
  isBlockDevice(): boolean;
  isCharacterDevice(): boolean;
}

export type SpecialKind = 'fifo' | 'socket' | 'device' | 'unknown';

/** The reason for a path that is neither a file, a folder nor a symlink: such things cannot be restored as data. */
export function specialFileReason(kind: FileKind | SpecialKind): string {
  switch (typeof kind === 'string' ? kind : specialKindOf(kind)) {
    case 'fifo':
      return 'is a FIFO (named pipe), which holds no data to back up';
    case 'socket':
      return 'is a socket, which holds no data to back up';
    case 'device':
      return 'is a device, which holds no data to back up';
    default:
      return 'is of an unknown file type';
  }
}

function specialKindOf(kind: FileKind): SpecialKind {
  if (kind.isFIFO()) return 'fifo';
  if (kind.isSocket()) return 'socket';
  if (kind.isBlockDevice() || kind.isCharacterDevice()) return 'device';
  return 'unknown';
}

/** The reason for a path that failed to open, list or stat. */
export function errorReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'disappeared before it could be read';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code}): give yourself read access, or exclude it`;
    case 'ELOOP':
      return 'was replaced by a symlink while packing';
    case 'EISDIR':
      return 'was replaced by a folder while packing';
    default:
      return `could not be read (${code ?? (err as Error).message})`;
  }
}
