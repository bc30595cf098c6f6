/**
 * The sending side of a transfer: find the address where the destination
 * proves its identity, then list and download the archive snapshots (format
 * 1) Peer Backup 0.1 stored there, with signed requests and receipts checked
 * against the destination's key; the chunked store's exchanges are
 * chunk-client.ts's. Every connection is TLS 1.3 and is used only once the
 * receiver's certificate proves the destination's peer ID (PeerTlsAgent), so
 * nothing is sent to a machine that has not.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { UserError } from '../errors';
import type { Identity } from '../identity/keys';
import type { PeerAddress } from '../registry/protocol';
import { helloReplySchema, type HelloReply } from '../wire/hello';
import { tlsCredentialsOf } from '../wire/tls-certificate';
import { addressUrl, orderAddresses, type CandidateAddress } from './peer-addresses';
import { identityMismatchIn, PeerTlsAgent, type PeerHandshake } from './peer-tls-agent';
import { receiptSchema, type Receipt } from '../wire/receipt';
import { openStatement, signRequest } from '../wire/signing';
import { defaultStallTimeoutMs, stallWatchdog, type StallWatchdog } from './stall-watchdog';
import { isListingTooLarge, listingTooLarge, maxListingBytes, signedReceiptsOf } from './listing-bounds';
import { declaresOtherLength, downloadDeadlineMs, watchedDownload } from './watched-download';
import { anySignal, describeNetworkError, errorText, readJson, receiverCode, refusal } from './peer-answers';

/** A receiver whose TLS certificate proved the destination's peer ID, and its answer to our hello. */
export interface VerifiedPeer {
  url: string;
  peerId: string;
  /** The raw Ed25519 key of its certificate: receipts must be signed by it. */
  publicKey: Buffer;
  hello: HelloReply;
  handshake: PeerHandshake;
  /** The agent for one more request to it (its connection proven anew), given up with `signal`. */
  agentFor(signal: AbortSignal): PeerTlsAgent;
}

/**
 * What one address gave: a proven peer, or why not. `mismatch`: a machine
 * answered there without proving the peer ID; `key-changed`: it proved the
 * peer ID with another key than the pinned one; `disk-full`: the teammate's
 * disk is too full to record our hello; `refused`: the teammate answered the
 * hello with a refusal; `unreachable`: nothing usable answered.
 */
export type AddressProbe =
  | { ok: true; peer: VerifiedPeer }
  | { ok: false; url: string; kind: 'unreachable' | 'mismatch' | 'key-changed' | 'disk-full' | 'refused'; reason: string };

const connectTimeoutMs = 5_000;

export class PeerClient {
  private readonly http: AxiosInstance;

  /** `stallTimeoutMs`: how long a download or listing may go without progress before it fails as 'timed-out'. */
  constructor(
    private readonly identity: Identity,
    private readonly stallTimeoutMs = defaultStallTimeoutMs,
  ) {
    this.http = axios.create({ maxRedirects: 0, maxContentLength: Infinity, validateStatus: () => true, proxy: false });
  }

  /**
   * Tries each address (LAN first) until one proves it holds `peerId`'s key.
   * `pinnedKey` (base64) is the key seen before; a different one is refused.
   */
  async connect(peerId: string, addresses: CandidateAddress[], options: { pinnedKey?: string | null; signal?: AbortSignal } = {}): Promise<VerifiedPeer> {
    const failed: Extract<AddressProbe, { ok: false }>[] = [];
    for (const address of orderAddresses(addresses)) {
      const probe = await this.probe(peerId, address, options);
      if (probe.ok) return probe.peer;
      if (probe.kind === 'key-changed') throw new UserError(probe.reason, { code: 'identity-mismatch' });
      // Nothing is sent either way; the user needs the reason, not "could not prove".
      if (probe.kind === 'disk-full') throw new UserError(probe.reason, { code: 'disk-full' });
      failed.push(address.seenByRegistry ? { ...probe, url: `${probe.url} (the address the registry saw)` } : probe);
    }
    const reasons = failed.map((probe) => `${probe.url}: ${probe.reason}`).join('; ');
    if (failed.some((probe) => probe.kind === 'mismatch')) {
      throw new UserError(`the receiver could not prove it is ${peerId}: ${reasons}; nothing was sent`, { code: 'identity-mismatch' });
    }
    if (failed.some((probe) => probe.kind === 'refused')) throw new UserError(`${peerId} was reached but refused our hello: ${reasons}`, { code: 'transfer-failed' });
    throw new UserError(
      `${peerId} is announced but cannot be reached from here at any address it announced (${reasons}): ` +
        'either it went offline since it announced itself, or it is receiving but its router does not forward the port to it or a firewall blocks it ("peer-backup receive" tells your teammate whether teammates can reach them)',
      { code: 'peer-offline' },
    );
  }

  /** Connects to one address: the TLS handshake must prove `peerId` (with `pinnedKey`, when given) before the hello is sent. */
  async probe(peerId: string, address: PeerAddress, options: { pinnedKey?: string | null; signal?: AbortSignal } = {}): Promise<AddressProbe> {
    const url = addressUrl(address);
    const pinnedKey = options.pinnedKey ? Buffer.from(options.pinnedKey, 'base64') : undefined;
    const credentials = tlsCredentialsOf(this.identity);
    const agentFor = (signal: AbortSignal) => new PeerTlsAgent(credentials, { peerId, pinnedKey }, signal);
    const signal = anySignal(options.signal, AbortSignal.timeout(connectTimeoutMs));
    const agent = agentFor(signal);
    const body = Buffer.from('{}');
    let response: AxiosResponse;
    try {
      response = await this.http.post(`${url}/v1/hello`, body, {
        headers: { 'content-type': 'application/json', ...this.sign('POST', '/v1/hello', body, peerId) },
        httpsAgent: agent,
        signal,
        responseType: 'json',
      });
    } catch (err) {
      if (options.signal?.aborted) throw new UserError('the backup was cancelled', { code: 'cancelled' });
      const mismatch = identityMismatchIn(err);
      if (mismatch) return { ok: false, url, kind: mismatch.keyChanged ? 'key-changed' : 'mismatch', reason: mismatch.message };
      return { ok: false, url, kind: 'unreachable', reason: describeNetworkError(err) };
    }
    // The request went out, so the agent verified the handshake.
    const handshake = agent.handshake!;
    const hello = helloReplySchema.safeParse(response.data);
    const code = receiverCode(response.data);
    if (code === 'disk-full') {
      return { ok: false, url, kind: 'disk-full', reason: `${peerId}'s disk is full (its receiver at ${url} says: ${errorText(response)}); ask your teammate to free space, then back up again` };
    }
    if (code === 'rate-limited') return { ok: false, url, kind: 'unreachable', reason: `too many connection attempts from this address, ${errorText(response)}` };
    if (response.status !== 200 || !hello.success) return { ok: false, url, kind: 'refused', reason: `HTTP ${response.status}: ${errorText(response)}` };
    return { ok: true, peer: { url, peerId, publicKey: handshake.publicKey, hello: hello.data, handshake, agentFor } };
  }

  /** Receipts of this sender's snapshots on the peer, each checked against the peer's key; the answer is bounded (listing-bounds.ts). */
  async listSnapshots(peer: VerifiedPeer, signal?: AbortSignal): Promise<Receipt[]> {
    const watchdog = stallWatchdog(this.stallTimeoutMs, peer.peerId, 'listing the snapshots it holds for us');
    let response: AxiosResponse;
    try {
      response = await this.http.get(`${peer.url}/v1/snapshots`, {
        headers: this.sign('GET', '/v1/snapshots', Buffer.alloc(0), peer.peerId),
        httpsAgent: peer.agentFor(anySignal(signal, watchdog.signal)),
        signal: anySignal(signal, watchdog.signal),
        responseType: 'json',
        maxContentLength: maxListingBytes,
        onDownloadProgress: watchdog.progress,
      });
    } catch (err) {
      if (isListingTooLarge(err)) throw listingTooLarge(peer.peerId);
      throw this.brokeOff(err, watchdog, signal, `listing the snapshots on ${peer.url}`);
    } finally {
      watchdog.stop();
    }
    if (response.status !== 200) throw refusal(response, peer.peerId, `${peer.url} refused to list snapshots`);
    return signedReceiptsOf(response.data, peer.peerId).flatMap((signed) => {
      const parsed = receiptSchema.safeParse(openStatement(signed, peer.publicKey));
      return parsed.success && parsed.data.sender === this.identity.peerId ? [parsed.data] : [];
    });
  }

  /**
   * The snapshot's bytes as a stream, bounded by its receipt (watched-download.ts):
   * a Content-Length other than the receipt's size is refused before the body
   * is read, and the stream fails with a UserError when the teammate stalls or
   * overruns the deadline ('timed-out') or sends more or less than the receipt
   * says ('damaged'). The caller checks the SHA-256.
   */
  async download(peer: VerifiedPeer, receipt: Receipt, signal?: AbortSignal): Promise<Readable> {
    const { snapshotId, size } = receipt;
    const path = `/v1/snapshots/${encodeURIComponent(snapshotId)}`;
    const watchdog = stallWatchdog(this.stallTimeoutMs, peer.peerId, `downloading snapshot ${snapshotId}`);
    const deadlineMs = downloadDeadlineMs(size);
    const deadline = AbortSignal.timeout(deadlineMs);
    const tooSlow = (received: number) =>
      new UserError(
        `${peer.peerId} took longer than the ${Math.round(deadlineMs / 1000)} s allowed to send snapshot ${snapshotId} (${size} bytes; ${received} arrived); nothing was restored, try again when the link is faster`,
        { code: 'timed-out' },
      );
    const damaged = (what: string, cause?: unknown) => new UserError(`${peer.peerId}'s copy of snapshot ${snapshotId} ${what}; nothing was restored, try again or restore another snapshot`, { code: 'damaged', cause });
    let response: AxiosResponse;
    try {
      response = await this.http.get(`${peer.url}${path}`, {
        headers: this.sign('GET', path, Buffer.alloc(0), peer.peerId),
        httpsAgent: peer.agentFor(anySignal(signal, watchdog.signal, deadline)),
        signal: anySignal(signal, watchdog.signal, deadline),
        responseType: 'stream',
      });
    } catch (err) {
      watchdog.stop();
      if (deadline.aborted && !signal?.aborted) throw tooSlow(0);
      throw this.brokeOff(err, watchdog, signal, `downloading snapshot ${snapshotId} from ${peer.url}`);
    }
    const body = response.data as Readable;
    if (response.status !== 200) {
      watchdog.stop();
      throw refusal({ status: response.status, data: await readJson(body) }, peer.peerId, `${peer.url} refused to send snapshot ${snapshotId}`);
    }
    const declared = response.headers['content-length'] as unknown;
    if (declaresOtherLength(declared, size)) {
      watchdog.stop();
      body.destroy();
      throw damaged(`is announced as ${Number(declared)} bytes, not the ${size} bytes of its receipt`);
    }
    return watchedDownload(body, { expectedBytes: size, deadline }, watchdog, {
      brokeOff: (received, cause) =>
        signal?.aborted
          ? new UserError('the restore was cancelled', { code: 'cancelled' })
          : damaged(`is incomplete: the download broke off after ${received} of ${size} bytes`, cause),
      overran: (received) => damaged(`is longer than its receipt says: ${received} bytes arrived, the receipt says ${size}`),
      tooSlow,
    });
  }

  private brokeOff(err: unknown, watchdog: StallWatchdog, signal: AbortSignal | undefined, what: string): UserError {
    if (signal?.aborted) return new UserError('cancelled', { code: 'cancelled' });
    if (watchdog.signal.aborted) return watchdog.signal.reason as UserError;
    const mismatch = identityMismatchIn(err);
    if (mismatch) return mismatch;
    return new UserError(`${what} broke off: ${describeNetworkError(err)}`, { code: 'transfer-failed', cause: err });
  }

  private sign(method: string, path: string, body: Buffer, receiverPeerId: string): Record<string, string> {
    const sha256 = createHash('sha256').update(body).digest('hex');
    return signRequest(this.identity, { method, path, length: body.length, sha256, receiverPeerId });
  }
}
