import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateIdentity } from '../../src/core/identity/keys';
import { Announcer } from '../../src/core/registry/announcer';
import type { AnnounceReply } from '../../src/core/registry/protocol';
import { RegistryClient } from '../../src/core/registry/registry-client';
import { startTestRegistry } from '../helpers/registry';

/** Collects announcements and lets a test wait for the first one that matches. */
function recorder() {
  const seen: AnnounceReply[] = [];
  const waiters: { match: (reply: AnnounceReply) => boolean; resolve: (reply: AnnounceReply) => void }[] = [];
  return {
    seen,
    onAnnounced(reply: AnnounceReply) {
      seen.push(reply);
      for (const waiter of waiters.filter((each) => each.match(reply))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(reply);
      }
    },
    next(match: (reply: AnnounceReply) => boolean = () => true): Promise<AnnounceReply> {
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
  };
}

test('announces at once, then again on the schedule the registry gives', { timeout: 15_000 }, async (t) => {
  const registry = await startTestRegistry(t, { ttlSeconds: 3 }); // re-announce after 1 s
  const alice = generateIdentity();
  const announced = recorder();
  const announcer = new Announcer(new RegistryClient(registry.url), alice, 7421, { bindHost: '127.0.0.1', onAnnounced: announced.onAnnounced });
  t.after(() => announcer.stop());
  const second = announced.next(() => announced.seen.length === 2);
  announcer.start();
  const reply = await second;
  assert.equal(reply.reannounceAfter, 1);
  assert.ok(reply.lastSeen > announced.seen[0].lastSeen);
  assert.deepEqual(reply.addresses, [{ host: '127.0.0.1', port: 7421 }]);
  assert.equal(reply.observed, undefined, 'the address the registry saw was signed, so there is no hint');
});

test('a receiver listening on one IP announces that IP only; one listening on all announces the interface addresses', { timeout: 15_000 }, async (t) => {
  const registry = await startTestRegistry(t);
  const hostsAnnounced = async (bindHost: string | undefined) => {
    const announced = recorder();
    const first = announced.next();
    const announcer = new Announcer(new RegistryClient(registry.url), generateIdentity(), 7421, {
      bindHost,
      localAddresses: () => ['127.0.0.3', '127.0.0.2', '127.0.0.3'],
      onAnnounced: announced.onAnnounced,
    });
    t.after(() => announcer.stop());
    announcer.start();
    return (await first).addresses.map((address) => address.host);
  };
  assert.deepEqual(await hostsAnnounced('127.0.0.1'), ['127.0.0.1']);
  for (const everywhere of [undefined, '::', '0.0.0.0']) assert.deepEqual(await hostsAnnounced(everywhere), ['127.0.0.3', '127.0.0.2'], String(everywhere));
});

test('a machine with no address says so without asking the registry, and announces once it has one', { timeout: 15_000 }, async (t) => {
  const registry = await startTestRegistry(t);
  const addresses: string[] = [];
  const errors: Error[] = [];
  let failed!: () => void;
  const firstFailure = new Promise<void>((resolve) => (failed = resolve));
  const announced = recorder();
  const announcer = new Announcer(new RegistryClient(registry.url), generateIdentity(), 7421, {
    localAddresses: () => [...addresses],
    checkEveryMs: 20,
    onAnnounced: announced.onAnnounced,
    onError: (err) => {
      errors.push(err);
      failed();
    },
  });
  t.after(() => announcer.stop());
  announcer.start();
  await firstFailure;
  assert.match(errors[0].message, /This machine has no network address a teammate could connect to .*connect to a network; it announces itself as soon as it has an address/);
  const online = announced.next();
  addresses.push('127.0.0.2');
  assert.deepEqual((await online).addresses, [{ host: '127.0.0.2', port: 7421 }]);
  // The log line is written once the reply is sent, so the announcer may see the reply first.
  const requests = () => registry.logs.filter((entry) => entry.event === 'request');
  while (requests().length === 0) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(
    requests().map((entry) => [entry.path, entry.status]),
    [['/v2/announce', 200]],
    'the registry was asked before the machine had an address',
  );
});

test('announces again as soon as the machine\'s addresses change', { timeout: 15_000 }, async (t) => {
  const registry = await startTestRegistry(t); // re-announce after 20 min: only a change can trigger it
  const addresses = ['127.0.0.2'];
  const announced = recorder();
  const announcer = new Announcer(new RegistryClient(registry.url), generateIdentity(), 7421, {
    localAddresses: () => [...addresses],
    checkEveryMs: 20,
    onAnnounced: announced.onAnnounced,
  });
  t.after(() => announcer.stop());
  const first = announced.next();
  announcer.start();
  const reply = await first;
  assert.deepEqual(reply.addresses, [{ host: '127.0.0.2', port: 7421 }]);
  assert.deepEqual(reply.observed, { host: '127.0.0.1', port: 7421 }, 'the address the registry saw is a hint apart');
  const moved = announced.next();
  addresses[0] = '127.0.0.3';
  assert.deepEqual((await moved).addresses, [{ host: '127.0.0.3', port: 7421 }]);
  assert.equal(announced.seen.length, 2);
});

test('retries after failures, and stop() ends it', { timeout: 15_000 }, async (t) => {
  const registry = await startTestRegistry(t);
  await registry.close();
  const errors: Error[] = [];
  let twoFailures!: () => void;
  const failedTwice = new Promise<void>((resolve) => (twoFailures = resolve));
  const announcer = new Announcer(new RegistryClient(registry.url), generateIdentity(), 7421, {
    bindHost: '127.0.0.1',
    retryMs: 10,
    onError: (err) => {
      errors.push(err);
      if (errors.length === 2) twoFailures();
    },
  });
  announcer.start();
  await failedTwice;
  await announcer.stop();
  const count = errors.length;
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(errors.length, count, 'the announcer kept trying after stop()');
  assert.match(errors[0].message, /The registry at .* does not answer/);
});
