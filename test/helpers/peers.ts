/** Real registry and receiver processes on loopback, and sender homes, for integration tests. */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import type { TestContext } from 'node:test';
import { loadOrCreateIdentity } from '../../src/core/identity/key-file';
import { RegistryClient } from '../../src/core/registry/registry-client';
import { runCli, runCliJson, startCli, type LongRunning } from './cli';
import { tempDir } from './temp';

export async function startRegistry(t: TestContext, home = tempDir(t)): Promise<LongRunning & { url: string }> {
  const registry = await startCli(['registry', '--port', '0', '--host', '127.0.0.1', '--home', home], /registry listening on (http:\/\/\S+)/);
  t.after(() => registry.stop());
  return { ...registry, url: registry.ready };
}

/** A home with its identity made; returns its folder and peer ID. */
export async function makeHome(t: TestContext): Promise<{ home: string; peerId: string }> {
  const home = tempDir(t);
  const { peerId } = await runCliJson<{ peerId: string }>(['id', '--home', home]);
  return { home, peerId };
}

/** Starts a receiver and waits until the registry has its announcement. */
export async function startReceiver(t: TestContext, home: string, registryUrl: string, port = 0): Promise<LongRunning & { port: number }> {
  const receiver = await startCli(
    ['receive', '--port', String(port), '--host', '127.0.0.1', '--registry', registryUrl, '--home', home],
    /"event":"announced".*"port":(\d+)/,
  );
  t.after(() => receiver.stop('SIGKILL'));
  return { ...receiver, port: Number(receiver.ready) };
}

export async function allow(receiverHome: string, senderPeerId: string, quota: string): Promise<void> {
  const result = await runCli(['allow', senderPeerId, '--quota', quota, '--home', receiverHome]);
  if (result.code !== 0) throw new Error(`allow failed: ${result.stderr}`);
}

/** Starts a receiver with extra environment (timeouts) or another storage folder. */
export async function startReceiverWith(
  t: TestContext,
  home: string,
  registryUrl: string,
  options: { env?: NodeJS.ProcessEnv; storageDir?: string } = {},
): Promise<LongRunning & { port: number }> {
  const storage = options.storageDir ? ['--storage', options.storageDir] : [];
  const receiver = await startCli(
    ['receive', '--port', '0', '--host', '127.0.0.1', '--registry', registryUrl, '--home', home, ...storage],
    /"event":"announced".*"port":(\d+)/,
    { env: options.env },
  );
  t.after(() => receiver.stop('SIGKILL'));
  return { ...receiver, port: Number(receiver.ready) };
}

/** Announces `home`'s peer at `port` (a link in front of its receiver), newer than the receiver's own announcement. */
export async function announceAt(registryUrl: string, home: string, port: number): Promise<void> {
  await new RegistryClient(registryUrl, { now: () => Date.now() + 1 }).announce(await loadOrCreateIdentity(home), port, ['127.0.0.1']);
}

export interface HoldingLink {
  port: number;
  /** Resolves once the chosen connection's client has sent `afterBytes`: from then on its bytes are held. */
  held: Promise<void>;
  /** Lets the held bytes, and all that follow, through. */
  release(): void;
}

/** Which client's bytes to hold: the `connection`-th the link accepts (any, by default), once it has sent `afterBytes` (0: from its first byte). */
export interface HoldAt {
  connection?: number;
  afterBytes?: number;
}

/**
 * A TCP link to `port` on loopback that passes everything until the chosen
 * client has sent `afterBytes`, then holds that client's bytes until
 * release(): a point in a transfer the test can act at (freeze the receiver,
 * fill its disk), however fast the machine. The link sees only TLS records,
 * so it counts bytes and connections instead of reading requests: each
 * request of a sender is a connection of its own (hello, then the upload,
 * listing or download).
 */
export async function holdingLink(t: TestContext, port: number, at: HoldAt): Promise<HoldingLink> {
  const afterBytes = at.afterBytes ?? 0;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let markHeld!: () => void;
  const held = new Promise<void>((resolve) => (markHeld = resolve));
  let triggered = false;
  let accepted = 0;
  const sockets = new Set<Socket>();
  const link = createServer((client) => {
    accepted++;
    const chosen = at.connection === undefined || at.connection === accepted;
    const upstream = connect(port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    let budget = chosen ? afterBytes : Infinity;
    const hold = (rest: Buffer) => {
      triggered = true;
      client.off('data', onData);
      client.pause();
      markHeld();
      void released.then(() => {
        upstream.write(rest);
        client.pipe(upstream);
        client.resume();
      });
    };
    const onData = (chunk: Buffer) => {
      if (triggered || budget > chunk.length) {
        upstream.write(chunk);
        budget -= chunk.length;
        return;
      }
      upstream.write(chunk.subarray(0, budget));
      hold(chunk.subarray(budget));
    };
    if (chosen && afterBytes === 0 && !triggered) hold(Buffer.alloc(0));
    else client.on('data', onData);
    upstream.pipe(client);
    for (const [from, to] of [[client, upstream], [upstream, client]]) {
      from.on('error', () => to.destroy());
      from.on('close', () => to.destroy());
    }
  });
  await new Promise<void>((resolve) => link.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => link.close(resolve));
  });
  return { port: (link.address() as AddressInfo).port, held, release };
}
