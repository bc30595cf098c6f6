/**
 * Words the editor's surfaces share: counts with the right plural and sizes
 * in binary units (from the core, as every front end shows them), and a
 * teammate by the name the user gave.
 */
export { countOf, formatBytes } from '../core/app';

/** A teammate as people know them: the label given, else the peer ID (which then is all there is). */
export function teammateName(label: string | null | undefined, peerId: string): string {
  return label || peerId;
}
