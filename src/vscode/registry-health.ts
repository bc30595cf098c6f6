/**
 * Whether the configured registry answers, for the status bar, the panel,
 * the views and the walkthrough. It is asked for this machine's own entry: a
 * registry that answers at all (found, or "not registered") is usable.
 */
import { codeOf } from '../core/app';
import type { Services } from './services';

export type RegistryHealth =
  /** Not asked yet. */
  | { state: 'unknown'; url: string }
  | { state: 'answers'; url: string }
  /** No answer, or an answer that is not a Peer Backup registry's: the message says which and what to do. */
  | { state: 'failing'; url: string; message: string };

export class RegistryWatch {
  private current: RegistryHealth;
  /** Checks may finish out of order (the setting changed meanwhile); only the latest counts. */
  private generation = 0;

  constructor(private readonly services: Services) {
    this.current = { state: 'unknown', url: services.settings().registryUrl };
  }

  get health(): RegistryHealth {
    return this.current;
  }

  /** Asks the registry now; tells the surfaces when the answer differs from the last. */
  async check(): Promise<RegistryHealth> {
    const generation = ++this.generation;
    const url = this.services.settings().registryUrl;
    let health: RegistryHealth;
    try {
      const app = this.services.app();
      await app
        .registry()
        .lookup((await app.identity()).peerId, { fresh: true })
        .catch((err: unknown) => {
          if (codeOf(err) !== 'peer-not-registered') throw err;
        });
      health = { state: 'answers', url };
    } catch (err) {
      health = { state: 'failing', url, message: (err as Error).message };
    }
    if (generation !== this.generation) return this.current;
    const changed = JSON.stringify(health) !== JSON.stringify(this.current);
    this.current = health;
    if (changed) this.services.changed();
    return health;
  }
}
