/**
 * Which registries the CLI talks to: --registry, else $PEER_BACKUP_REGISTRY,
 * else one on this machine. Either may name several, separated by commas
 * (and --registry may be given more than once): look-ups try them in order,
 * announcements go to all of them. The result is one string, the URLs joined
 * by commas, which RegistryClient takes as it is.
 */
import { defaultRegistryUrl } from '../defaults';
import { UserError } from '../errors';

export function resolveRegistryUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const given = flag ?? env.PEER_BACKUP_REGISTRY;
  if (given === undefined || given.trim() === '') return defaultRegistryUrl;
  const source = flag === undefined ? 'PEER_BACKUP_REGISTRY' : '--registry';
  return splitRegistryUrls(given)
    .map((each) => checkedUrl(each, source))
    .join(',');
}

/** The URLs of a comma-separated list, blanks dropped. */
export function splitRegistryUrls(list: string): string[] {
  return list
    .split(',')
    .map((each) => each.trim())
    .filter((each) => each !== '');
}

function checkedUrl(given: string, source: string): string {
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new UserError(`"${given}" (from ${source}) is not a URL: give the registry as http://HOST:PORT (several: separated by commas).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UserError(`"${given}" (from ${source}) is not an http(s) URL: give the registry as http://HOST:PORT (several: separated by commas).`);
  }
  // Keep a path prefix (a registry behind a reverse proxy) but not a trailing slash.
  return url.href.replace(/\/+$/, '');
}
