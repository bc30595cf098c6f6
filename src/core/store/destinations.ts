/** Teammates this machine backs up to: a label, a peer ID, and the key pinned at the first handshake. */
import { UserError } from '../errors';
import { isUniqueViolation, type Database } from './database';

export interface Destination {
  id: number;
  label: string;
  peerId: string;
  /** Base64 raw Ed25519 key, pinned on the first verified handshake; null before. */
  publicKey: string | null;
  createdAt: number;
}

interface DestinationRow {
  id: number;
  label: string;
  peer_id: string;
  public_key: string | null;
  created_at: number;
}

export class DestinationStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  /** `peerId` must already be canonical (parsePeerId). */
  async add(label: string, peerId: string): Promise<Destination> {
    const trimmed = label.trim();
    if (!trimmed) throw new UserError('A teammate needs a label, for example their name.');
    try {
      await this.db.run('INSERT INTO destinations (label, peer_id, created_at) VALUES (?, ?, ?)', [trimmed, peerId, this.now()]);
    } catch (err) {
      if (isUniqueViolation(err)) {
        const existing = await this.find(peerId);
        throw new UserError(
          existing
            ? `Peer ${peerId} is already a destination, labelled "${existing.label}".`
            : `A destination labelled "${trimmed}" already exists: choose another label.`,
          { code: 'conflict' },
        );
      }
      throw err;
    }
    return (await this.find(peerId))!;
  }

  async list(): Promise<Destination[]> {
    return (await this.db.all<DestinationRow>('SELECT * FROM destinations ORDER BY label')).map(toDestination);
  }

  /** By exact label or peer ID. */
  async find(labelOrPeerId: string): Promise<Destination | undefined> {
    const row = await this.db.get<DestinationRow>('SELECT * FROM destinations WHERE label = ? OR peer_id = ?', [labelOrPeerId, labelOrPeerId]);
    return row && toDestination(row);
  }

  async pinKey(peerId: string, publicKey: string): Promise<void> {
    await this.db.run('UPDATE destinations SET public_key = ? WHERE peer_id = ? AND public_key IS NULL', [publicKey, peerId]);
  }

  async remove(labelOrPeerId: string): Promise<void> {
    const destination = await this.find(labelOrPeerId);
    if (!destination) throw new UserError(`No teammate labelled or identified "${labelOrPeerId}": "peer-backup dest list" lists them.`, { code: 'not-found' });
    await this.db.run('DELETE FROM destinations WHERE id = ?', [destination.id]);
  }
}

function toDestination(row: DestinationRow): Destination {
  return { id: row.id, label: row.label, peerId: row.peer_id, publicKey: row.public_key, createdAt: row.created_at };
}
