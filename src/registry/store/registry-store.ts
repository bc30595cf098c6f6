/**
 * What the registry server needs from storage. Small on purpose: the SQLite
 * store (one registry) and the PostgreSQL store (several registries sharing
 * it) implement the same few calls.
 */
import type { PeerAddress } from '../../core/registry/protocol';

export interface PeerEntry {
  peerId: string;
  /** The announcement's payload bytes exactly as the peer signed them, served as they are. */
  payload: Buffer;
  /** The Ed25519 signature of `payload`. */
  signature: Buffer;
  /** Unsigned: where the announcement came from, absent when the peer signed that host itself. */
  observed?: PeerAddress;
  /** The signed announcement time (ms): the sequence that makes replays detectable. */
  announcedAt: number;
  /** When the registry received the announcement (ms). */
  lastSeen: number;
  expiresAt: number;
}

export interface NewPeerWindow {
  startedAt: number;
  /** New peers counted in the window, the one just counted included. */
  admitted: number;
}

export interface RegistryStore {
  /**
   * Stores `entry` unless the stored entry for the same peer was announced at
   * the same time or later, in one atomic step. False when it was not stored.
   */
  saveIfNewer(entry: PeerEntry): Promise<boolean>;
  /** Whether the table has a row for `peerId`, expired or not. */
  has(peerId: string): Promise<boolean>;
  /** The rows in the table, expired ones not yet deleted included. */
  count(): Promise<number>;
  /** The entry for `peerId`, unless none exists or it expired by `now`. */
  find(peerId: string, now: number): Promise<PeerEntry | undefined>;
  /** The entry held in memory for `peerId` (expired or not), for a look-up answered without waiting; undefined sends it to find. */
  inMemory?(peerId: string): PeerEntry | undefined;
  /**
   * Counts one more new peer in the current window of `windowMs` (one that
   * started at most `windowMs` before `now`, else a new one starting at
   * `now`), in one atomic step shared by every registry on the store.
   */
  countNewPeer(now: number, windowMs: number): Promise<NewPeerWindow>;
  /** Deletes entries that expired before `time`; returns how many. */
  deleteExpiredBefore(time: number): Promise<number>;
  close(): Promise<void>;
}
