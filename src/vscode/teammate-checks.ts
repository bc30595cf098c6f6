/** The checks on a new teammate's name and peer ID, shared by "Add Teammate" (input boxes) and the panel's form. */
import { UserError } from '../core/errors';
import { parsePeerId } from '../core/identity/peer-id';
import type { Destination } from '../core/store';

export function checkNewTeammateLabel(text: string, teammates: Destination[]): string {
  const label = text.trim();
  if (!label) throw new UserError('Give the teammate a name, for example alice.');
  if (teammates.some((teammate) => teammate.label === label)) throw new UserError(`"${label}" is taken: choose another name.`);
  return label;
}

export function checkNewTeammatePeerId(text: string, teammates: Destination[]): string {
  const peerId = parsePeerId(text);
  const known = teammates.find((teammate) => teammate.peerId === peerId);
  if (known) throw new UserError(`This peer ID is already your teammate "${known.label}".`);
  return peerId;
}
