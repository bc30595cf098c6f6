/**
 * Nonces of signed requests the receiver has accepted. A nonce is kept as
 * long as its request's time could still pass the freshness check, and kept
 * in the database so a replay is refused even after the receiver restarts.
 */
import { isUniqueViolation, type Database } from './database';

/** Expired nonces deleted per claim: more than one claim adds, so the table shrinks, yet no claim does a long delete. */
const purgeBatch = 16;

export class SeenNonceStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records the nonce; false if it was already seen (a replay). */
  async claim(nonce: string, keepForMs: number): Promise<boolean> {
    const now = this.now();
    try {
      await this.db.transaction(async (tx) => {
        await tx.run('DELETE FROM seen_nonces WHERE nonce IN (SELECT nonce FROM seen_nonces WHERE expires_at < ? ORDER BY expires_at LIMIT ?)', [now, purgeBatch]);
        await tx.run('INSERT INTO seen_nonces (nonce, expires_at) VALUES (?, ?)', [nonce, now + keepForMs]);
      });
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }
}
