/**
 * Words the editor's surfaces share: counts with the right plural, sizes in
 * the binary units the core counts in (a quota of "10GB" is 10 x 1024^3
 * bytes, so it is shown as 10 GiB), and a teammate by the name the user gave.
 */

const binaryUnits = ['KiB', 'MiB', 'GiB', 'TiB'];

/** "1 file", "2 files", "1,024 files". */
export function countOf(count: number, noun: string): string {
  return `${count.toLocaleString('en-US')} ${noun}${count === 1 ? '' : 's'}`;
}

/** "512 B", "3.4 MiB", "10 GiB". */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < binaryUnits.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1).replace(/\.0$/, '')} ${binaryUnits[unit]}`;
}

/** A teammate as people know them: the label given, else the peer ID (which then is all there is). */
export function teammateName(label: string | null | undefined, peerId: string): string {
  return label || peerId;
}
