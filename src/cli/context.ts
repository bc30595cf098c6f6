/** What every command shares: the global options, the home and its store, and output in text or JSON. */
import type { Command } from 'commander';
import { resolveHome, type Home } from '../core/home';
import { openStore, type Store } from '../core/store';

export interface GlobalOptions {
  home?: string;
  json?: boolean;
}

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

/** Opens the home's database for the length of `body`, and always closes it. */
export async function withStore<T>(options: GlobalOptions, body: (store: Store, home: Home) => Promise<T>): Promise<T> {
  const home = resolveHome(options.home);
  const store = await openStore(home.databaseFile);
  try {
    return await body(store, home);
  } finally {
    await store.close();
  }
}

/** Prints `data` as JSON with --json, else the human text. */
export function report(options: GlobalOptions, data: unknown, human: () => string): void {
  process.stdout.write(options.json ? `${JSON.stringify(data, null, 2)}\n` : `${human()}\n`);
}
