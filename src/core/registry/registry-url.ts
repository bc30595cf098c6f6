/** Which registry the CLI talks to: --registry, else $PEER_BACKUP_REGISTRY, else one on this machine. */
import { defaultRegistryUrl } from '../defaults';
import { UserError } from '../errors';

export function resolveRegistryUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const given = flag ?? env.PEER_BACKUP_REGISTRY;
  if (given === undefined || given === '') return defaultRegistryUrl;
  const source = flag === undefined ? 'PEER_BACKUP_REGISTRY' : '--registry';
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new UserError(`"${given}" (from ${source}) is not a URL: give the registry as http://HOST:PORT.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UserError(`"${given}" (from ${source}) is not an http(s) URL: give the registry as http://HOST:PORT.`);
  }
  // Keep a path prefix (a registry behind a reverse proxy) but not a trailing slash.
  return url.href.replace(/\/+$/, '');
}
