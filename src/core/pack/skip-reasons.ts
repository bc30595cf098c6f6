/** Why a path was left out of (or is doubtful in) the archive, in words the user can act on. */

interface FileKind {
  isFIFO(): boolean;
  isSocket(): boolean;
  isBlockDevice(): boolean;
  isCharacterDevice(): boolean;
}

/** The reason for a path that is neither a file, a folder nor a symlink: such things cannot be restored as data. */
export function specialFileReason(kind: FileKind): string {
  if (kind.isFIFO()) return 'is a FIFO (named pipe), which holds no data to back up';
  if (kind.isSocket()) return 'is a socket, which holds no data to back up';
  if (kind.isBlockDevice() || kind.isCharacterDevice()) return 'is a device, which holds no data to back up';
  return 'is of an unknown file type';
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
