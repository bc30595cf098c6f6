/**
 * parsePeerId for a server: peers are looked up again and again under the
 * same ID, so the IDs it accepted are remembered with their canonical form
 * and are not checked again. Anyone can make valid IDs, so the memory is
 * bounded: when full it starts over.
 */
import { parsePeerId } from '../../core/identity/peer-id';

export function rememberingPeerIdParser(capacity: number): (text: string) => string {
  const accepted = new Map<string, string>();
  return (text) => {
    const known = accepted.get(text);
    if (known !== undefined) return known;
    const peerId = parsePeerId(text); // throws for a malformed ID, which is not remembered
    if (accepted.size >= capacity) accepted.clear();
    accepted.set(text, peerId);
    return peerId;
  };
}
