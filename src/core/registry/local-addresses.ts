/** This machine's addresses that a teammate on the same network could connect to. */
import { networkInterfaces } from 'node:os';

/**
 * Non-loopback interface addresses, sorted so two calls compare equal when
 * nothing changed. IPv6 link-local addresses are left out: they only work
 * with an interface name the other machine cannot know.
 */
export function localAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((addresses) => addresses ?? [])
    .filter((address) => !address.internal && !/^fe80:/i.test(address.address))
    .map((address) => address.address)
    .sort();
}
