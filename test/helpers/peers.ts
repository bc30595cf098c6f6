/** Real registry and receiver processes on loopback, and sender homes, for integration tests. */
import type { TestContext } from 'node:test';
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
