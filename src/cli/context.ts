/** What every command shares: the global options, the App for the home they name, and output in text or JSON. */
import type { Command } from 'commander';
import { App, resolveHome, resolveRegistryUrl } from '../core/app';

export interface GlobalOptions {
  home?: string;
  json?: boolean;
}

/** Repeated --registry flags are one list, as if given separated by commas. */
function collectRegistryUrls(value: string, previous: string | undefined): string {
  return previous === undefined ? value : `${previous},${value}`;
}

export const registryOption = [
  '--registry <url>',
  'the registry to find teammates in; repeat it or separate URLs by commas to fail over in order (default: $PEER_BACKUP_REGISTRY or http://127.0.0.1:7420)',
  collectRegistryUrls,
] as const;

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

/** Opens the App of the home the options name for the length of `body`, and always closes it. */
export async function withApp<T>(options: GlobalOptions, body: (app: App) => Promise<T>, registryFlag?: string): Promise<T> {
  const home = resolveHome(options.home);
  const registryUrl = resolveRegistryUrl(registryFlag);
  const app = new App({ home, registryUrl: () => registryUrl });
  try {
    return await body(app);
  } finally {
    await app.close();
  }
}

/** Prints `data` as JSON with --json, else the human text. */
export function report(options: GlobalOptions, data: unknown, human: () => string): void {
  process.stdout.write(options.json ? `${JSON.stringify(data, null, 2)}\n` : `${human()}\n`);
}
