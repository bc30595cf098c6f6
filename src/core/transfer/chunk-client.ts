/**
 * The chunked store's client (format version 2) on a receiver whose TLS
 * certificate proved the teammate's peer ID (a VerifiedPeer): a backup's
 * ChunkDestination and a restore's ChunkSource. Every request is signed like
 * version 1's; every answer is held to the bounds of the wire protocol
 * (chunk-protocol.ts), since the teammate's machine may be faulty or hostile:
 * receipts are checked against the peer's key, and a read answer may hold
 * only the chunks asked for, in order, each within a sealed chunk's size.
 */
import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { extract as tarExtract } from 'tar-stream';
import type { ChunkDestination, CommitResult, PackFile } from '../backup/chunk-destination';
import { maxChunkBytes } from '../chunk/chunk-seal';
import { UserError } from '../errors';
import type { Identity } from '../identity/keys';
import { kitOpenAnswerSchema, type KitUpload } from '../recovery/kit-protocol';
import type { SealedKit } from '../recovery/kit-seal';
import { printable } from '../printable';
import type { ChunkSource, StoredChunk } from '../restore/chunk-source';
import * as z from '../schema';
import {
  chunkIdPattern,
  maxBytesPerRead,
  maxIdsPerQuestion,
  maxIdsPerReferenceChunk,
  maxJsonBodyBytes,
  missingAnswerSchema,
  missingChunksRefusalSchema,
  packAnswerSchema,
  referenceEntrySuffix,
} from '../wire/chunk-protocol';
import { receiptSchema, type Receipt } from '../wire/receipt';
import { openStatement, signRequest, type SignedStatement } from '../wire/signing';
import { quotaAdvice } from './forget-advice';
import { isListingTooLarge, maxListedReceipts } from './listing-bounds';
import { anySignal, describeNetworkError, receiverCode, refusal, type Answer } from './peer-answers';
import { identityMismatchIn } from './peer-tls-agent';
import { putFile } from './put-file';
import type { VerifiedPeer } from './sender';
import { defaultStallTimeoutMs, stallWatchdog, type StallWatchdog } from './stall-watchdog';

/** A sealed chunk's 30 bytes of version, codec, nonce and tag around at most maxChunkBytes (docs/PROTOCOL.md ("Keys, chunk IDs and sealed chunks")). */
const maxSealedChunkBytes = 30 + maxChunkBytes;
const maxReferenceChunkBytes = 32 * maxIdsPerReferenceChunk;
/** A read answer's entries are bounded by maxBytesPerRead; the end blocks and a tar record's padding are all it may add. */
const maxReadAnswerBytes = maxBytesPerRead + 10 * 1024;
/** A manifest and its receipt take a few kilobytes; a listing of maxListedReceipts of them fits with room to spare. */
const maxManifestListingBytes = 128 * 1024 * 1024;
/** Small JSON answers (missing IDs, a receipt, a refusal). */
const maxAnswerBytes = 2 * maxJsonBodyBytes;

const deletedAnswerSchema = z.object({ freedBytes: z.int().check(z.nonnegative()), removedPacks: z.int().check(z.nonnegative()) });

const scrubAnswerSchema = z.object({
  packsChecked: z.int().check(z.nonnegative()),
  damagedPacks: z.array(z.string().check(z.regex(chunkIdPattern))).check(z.maxLength(maxListedReceipts * 100)),
  snapshots: z
    .array(z.object({ snapshotId: z.string().check(z.maxLength(128)), damagedPacks: z.array(z.string().check(z.regex(chunkIdPattern))), problem: z.optional(z.string().check(z.maxLength(2000))) }))
    .check(z.maxLength(maxListedReceipts)),
});
export type ScrubAnswer = z.infer<typeof scrubAnswerSchema>;

export interface ListedManifest {
  manifest: SignedStatement;
  receipt: SignedStatement;
}

export class ChunkClient implements ChunkDestination, ChunkSource {
  private readonly http: AxiosInstance;

  constructor(
    private readonly identity: Identity,
    private readonly peer: VerifiedPeer,
    private readonly stallTimeoutMs = defaultStallTimeoutMs,
  ) {
    this.http = axios.create({ maxRedirects: 0, validateStatus: () => true, proxy: false });
  }

  async missing(ids: string[], signal?: AbortSignal): Promise<Set<string>> {
    if (ids.length > maxIdsPerQuestion) throw new Error(`ask about at most ${maxIdsPerQuestion} chunks at once, not ${ids.length}`);
    const response = await this.exchange('POST', '/v2/chunks/missing', { ids }, 'asking which chunks it lacks', signal);
    if (response.status !== 200) throw refusal(response, this.peer.peerId, `${this.peer.url} refused to say which chunks it lacks`);
    const answer = missingAnswerSchema.safeParse(response.data);
    if (!answer.success) throw this.garbled('which chunks it lacks');
    // Only IDs asked about count: an answer cannot add work.
    const asked = new Set(ids);
    return new Set(answer.data.missing.filter((id) => asked.has(id)));
  }

  async putPack(pack: PackFile, signal?: AbortSignal, onBytes?: (sent: number) => void): Promise<void> {
    const path = `/v2/packs/${pack.id}`;
    const watchdog = stallWatchdog(this.stallTimeoutMs, this.peer.peerId, `uploading pack ${pack.id}`);
    const linked = anySignal(signal, watchdog.signal);
    let sent = 0;
    let answer;
    try {
      answer = await putFile({
        url: `${this.peer.url}${path}`,
        agent: this.peer.agentFor(linked),
        file: pack.path,
        headers: {
          'content-type': 'application/x-tar',
          'content-length': String(pack.size),
          ...signRequest(this.identity, { method: 'PUT', path, length: pack.size, sha256: pack.id, receiverPeerId: this.peer.peerId }),
        },
        signal: linked,
        onSent: (total) => {
          sent = total;
          onBytes?.(total);
        },
        onProgress: watchdog.progress,
      });
    } catch (err) {
      throw this.brokeOff(err, watchdog, signal, `uploading pack ${pack.id} broke off after ${sent} of ${pack.size} bytes`);
    } finally {
      watchdog.stop();
    }
    const response: Answer = { status: answer.status, data: answer.body };
    if (response.status !== 201 && response.status !== 200) throw await this.refused(response, `Pack ${pack.id} of this backup`, `${this.peer.url} refused pack ${pack.id}`, signal);
    const stored = packAnswerSchema.safeParse(response.data);
    if (!stored.success || stored.data.packId !== pack.id) throw this.garbled(`storing pack ${pack.id}`);
  }

  async commit(snapshotId: string, manifest: SignedStatement, signal?: AbortSignal): Promise<CommitResult> {
    const response = await this.exchange('PUT', `/v2/snapshots/${encodeURIComponent(snapshotId)}`, { manifest }, `committing snapshot ${snapshotId}`, signal);
    if (response.status === 409 && receiverCode(response.data) === 'missing-chunks') {
      const refused = missingChunksRefusalSchema.safeParse(response.data);
      if (!refused.success) throw this.garbled(`the chunks snapshot ${snapshotId} lacks`);
      return { committed: false, missing: refused.data.missing };
    }
    if (response.status !== 201) throw await this.refused(response, `Snapshot ${printable(snapshotId)}`, `${this.peer.url} refused to commit snapshot ${snapshotId}`, signal);
    const signed = (response.data as { receipt?: SignedStatement } | undefined)?.receipt;
    const receipt = signed && this.checkedReceipt(signed, manifest);
    if (!signed || !receipt || receipt.snapshotId !== snapshotId) {
      throw new UserError(`${this.peer.url} did not return a valid signed receipt for snapshot ${snapshotId}; the backup is not confirmed`, { code: 'transfer-failed' });
    }
    return { committed: true, receipt, signed };
  }

  /** Every committed snapshot the peer holds for us, oldest first, each with a receipt the peer signed for that very manifest. */
  async listManifests(signal?: AbortSignal): Promise<ListedManifest[]> {
    const response = await this.exchange('GET', '/v2/snapshots', undefined, 'listing the snapshots it holds for us', signal, maxManifestListingBytes);
    if (response.status !== 200) throw refusal(response, this.peer.peerId, `${this.peer.url} refused to list snapshots`);
    const snapshots = (response.data as { snapshots?: unknown } | undefined)?.snapshots;
    if (!Array.isArray(snapshots)) throw this.garbled('the snapshots it holds for us');
    if (snapshots.length > maxListedReceipts) {
      throw new UserError(`${this.peer.peerId} lists ${snapshots.length} snapshots for us, more than the ${maxListedReceipts} any teammate should hold. Ask your teammate to check their receiver.`, {
        code: 'damaged',
      });
    }
    return snapshots.filter((each: unknown): each is ListedManifest => {
      const { manifest, receipt } = (each ?? {}) as Partial<ListedManifest>;
      return isSigned(manifest) && isSigned(receipt) && this.checkedReceipt(receipt, manifest) !== undefined;
    });
  }

  async *read(ids: string[], signal?: AbortSignal): AsyncIterable<StoredChunk> {
    const body = Buffer.from(JSON.stringify({ ids }));
    const path = '/v2/chunks/read';
    const watchdog = stallWatchdog(this.stallTimeoutMs, this.peer.peerId, `reading ${ids.length} chunks`);
    const linked = anySignal(signal, watchdog.signal);
    let stream: Readable | undefined;
    try {
      let response: AxiosResponse;
      try {
        response = await this.http.post(`${this.peer.url}${path}`, body, {
          headers: { 'content-type': 'application/json', ...this.sign('POST', path, body) },
          httpsAgent: this.peer.agentFor(linked),
          signal: linked,
          responseType: 'stream',
        });
      } catch (err) {
        throw this.brokeOff(err, watchdog, signal, `reading chunks from ${this.peer.url}`);
      }
      stream = response.data as Readable;
      if (response.status !== 200) {
        throw refusal({ status: response.status, data: await boundedJson(stream, maxAnswerBytes) }, this.peer.peerId, `${this.peer.url} refused to send chunks`);
      }
      yield* this.entriesOf(stream, ids, watchdog, signal);
    } finally {
      watchdog.stop();
      stream?.destroy();
    }
  }

  /** The answer's entries, held to the ids asked for, in order, each within its kind's size, all within maxReadAnswerBytes. */
  private async *entriesOf(stream: Readable, ids: string[], watchdog: StallWatchdog, signal: AbortSignal | undefined): AsyncIterable<StoredChunk> {
    const damaged = (what: string, cause?: unknown) =>
      new UserError(`${this.peer.peerId}'s answer to a read of ${ids.length} chunks ${what}; nothing from it was used, try again or restore from another teammate`, { code: 'damaged', cause });
    let received = 0;
    const bounded = new Transform({
      transform(piece: Buffer, _encoding, callback) {
        received += piece.length;
        watchdog.progress();
        if (received > maxReadAnswerBytes) callback(damaged(`is larger than the ${maxReadAnswerBytes} bytes a read may take`));
        else callback(null, piece);
      },
    });
    const extract = tarExtract();
    stream.on('error', (err) => bounded.destroy(err));
    bounded.on('error', (err) => extract.destroy(err));
    stream.pipe(bounded).pipe(extract);
    let next = 0;
    try {
      for await (const entry of extract) {
        const { name, size, type } = entry.header;
        const id = ids[next];
        if (id === undefined) throw damaged(`holds more entries than the ${ids.length} asked for`);
        const reference = name === `${id}${referenceEntrySuffix}`;
        if (type !== 'file' || (name !== id && !reference)) throw damaged(`holds entry "${printable(name.slice(0, 80))}" where chunk ${id} was expected`);
        const limit = reference ? maxReferenceChunkBytes : maxSealedChunkBytes;
        if (size === undefined || size > limit) throw damaged(`holds chunk ${id} of ${size} bytes, more than the ${limit} such a chunk may be`);
        const pieces: Buffer[] = [];
        for await (const piece of entry) pieces.push(piece as Buffer);
        next++;
        yield { id, bytes: Buffer.concat(pieces) };
      }
    } catch (err) {
      if (err instanceof UserError) throw err;
      throw this.brokeOff(err, watchdog, signal, `reading chunks from ${this.peer.url}`, damaged('broke off', err));
    }
    if (next !== ids.length) throw damaged(`ends after ${next} of the ${ids.length} chunks asked for`);
  }

  /** Forgets one of our snapshots on the peer: its file, then the packs only it needed. */
  async deleteSnapshot(snapshotId: string, signal?: AbortSignal): Promise<{ freedBytes: number; removedPacks: number }> {
    const response = await this.exchange('DELETE', `/v2/snapshots/${encodeURIComponent(snapshotId)}`, undefined, `forgetting snapshot ${snapshotId}`, signal);
    if (response.status !== 200) throw refusal(response, this.peer.peerId, `${this.peer.url} refused to forget snapshot ${snapshotId}`);
    const answer = deletedAnswerSchema.safeParse(response.data);
    if (!answer.success) throw this.garbled(`the outcome of forgetting snapshot ${snapshotId}`);
    return answer.data;
  }

  /** The peer re-hashes the packs it keeps for us and says which snapshots depend on damaged ones. */
  async scrub(signal?: AbortSignal): Promise<ScrubAnswer> {
    const response = await this.exchange('GET', '/v2/scrub', undefined, 'checking the packs it keeps for us', signal, maxManifestListingBytes);
    if (response.status !== 200) throw refusal(response, this.peer.peerId, `${this.peer.url} refused to check the packs it keeps for us`);
    const answer = scrubAnswerSchema.safeParse(response.data);
    if (!answer.success) throw this.garbled('a report on the packs it keeps for us');
    return answer.data;
  }

  /** Leaves our sealed recovery kit with the peer (replacing the one it held). */
  async putRecoveryKit(upload: KitUpload, signal?: AbortSignal): Promise<void> {
    const response = await this.exchange('PUT', '/v2/recovery-kit', upload, 'storing our recovery kit', signal);
    if (response.status !== 201 && response.status !== 200) throw refusal(response, this.peer.peerId, `${this.peer.url} refused our recovery kit`);
  }

  /**
   * The sealed kit the peer keeps under `lookupId`, shown `verifier`. Not
   * signed: the machine asking has lost its key and holds a temporary one.
   * 'not-found' for a wrong code, whether or not a kit exists.
   */
  async openRecoveryKit(lookupId: string, verifier: string, signal?: AbortSignal): Promise<SealedKit> {
    const watchdog = stallWatchdog(this.stallTimeoutMs, this.peer.peerId, 'fetching the recovery kit');
    const linked = anySignal(signal, watchdog.signal);
    let response: Answer;
    try {
      const answer = await this.http.post(`${this.peer.url}/v2/recovery-kit/open`, Buffer.from(JSON.stringify({ lookupId, verifier })), {
        headers: { 'content-type': 'application/json' },
        httpsAgent: this.peer.agentFor(linked),
        signal: linked,
        responseType: 'json',
        maxContentLength: maxAnswerBytes,
      });
      response = { status: answer.status, data: answer.data as unknown };
    } catch (err) {
      throw this.brokeOff(err, watchdog, signal, `fetching the recovery kit from ${this.peer.url}`);
    } finally {
      watchdog.stop();
    }
    if (response.status === 429) throw refusal(response, this.peer.peerId, `${this.peer.peerId} turned the request away for now`);
    if (response.status !== 200) throw refusal(response, this.peer.peerId, `${this.peer.url} refused to hand out a recovery kit`);
    const answer = kitOpenAnswerSchema.safeParse(response.data);
    if (!answer.success) throw this.garbled('a recovery kit');
    return answer.data.kit;
  }

  /** The receipt if the peer signed it for this very manifest, from us to it (version 2); else undefined. */
  private checkedReceipt(signed: SignedStatement, manifest: SignedStatement): Receipt | undefined {
    const receipt = receiptSchema.safeParse(openStatement(signed, this.peer.publicKey));
    if (!receipt.success) return undefined;
    const { version, sender, receiver, sha256 } = receipt.data;
    const manifestSha256 = createHash('sha256').update(Buffer.from(manifest.statement, 'base64')).digest('hex');
    return version === 2 && sender === this.identity.peerId && receiver === this.peer.peerId && sha256 === manifestSha256 ? receipt.data : undefined;
  }

  /** One signed request with a small JSON body (or none) and a JSON answer of at most `maxBytes`. */
  private async exchange(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, json: unknown, step: string, signal: AbortSignal | undefined, maxBytes = maxAnswerBytes): Promise<Answer> {
    const body = json === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(json));
    const watchdog = stallWatchdog(this.stallTimeoutMs, this.peer.peerId, step);
    const linked = anySignal(signal, watchdog.signal);
    try {
      const response = await this.http.request({
        method,
        url: `${this.peer.url}${path}`,
        data: json === undefined ? undefined : body,
        headers: { ...(json === undefined ? {} : { 'content-type': 'application/json' }), ...this.sign(method, path, body) },
        httpsAgent: this.peer.agentFor(linked),
        signal: linked,
        responseType: 'json',
        maxContentLength: maxBytes,
        onDownloadProgress: watchdog.progress,
        onUploadProgress: watchdog.progress,
      });
      return { status: response.status, data: response.data as unknown };
    } catch (err) {
      if (isListingTooLarge(err)) {
        throw new UserError(`${this.peer.peerId}'s answer while ${step} is larger than ${maxBytes} bytes, more than any teammate's should be. Ask your teammate to check their receiver.`, {
          code: 'damaged',
        });
      }
      throw this.brokeOff(err, watchdog, signal, `${step} on ${this.peer.url}`);
    } finally {
      watchdog.stop();
    }
  }

  private brokeOff(err: unknown, watchdog: StallWatchdog, signal: AbortSignal | undefined, what: string, otherwise?: UserError): UserError {
    if (signal?.aborted) return new UserError('cancelled', { code: 'cancelled' });
    if (watchdog.signal.aborted) return watchdog.signal.reason as UserError;
    const mismatch = identityMismatchIn(err);
    if (mismatch) return mismatch;
    return otherwise ?? new UserError(`${what}: ${describeNetworkError(err)}`, { code: 'transfer-failed', cause: err });
  }

  /** A refusal of an upload; one for quota says which of our snapshots to forget to make room. */
  private async refused(response: Answer, subject: string, what: string, signal: AbortSignal | undefined): Promise<UserError> {
    const advice = response.status === 507 && (await quotaAdvice(response.data, subject, this.peer.peerId, this.identity, () => this.listManifests(signal)));
    return advice || refusal(response, this.peer.peerId, what);
  }

  private garbled(what: string): UserError {
    return new UserError(`${this.peer.peerId} answered with something that is not ${what} in the chunk protocol; ask your teammate to update Peer Backup`, {
      code: 'transfer-failed',
    });
  }

  private sign(method: string, path: string, body: Buffer): Record<string, string> {
    const sha256 = createHash('sha256').update(body).digest('hex');
    return signRequest(this.identity, { method, path, length: body.length, sha256, receiverPeerId: this.peer.peerId });
  }
}

function isSigned(value: unknown): value is SignedStatement {
  return typeof (value as SignedStatement | undefined)?.statement === 'string' && typeof (value as SignedStatement).signature === 'string';
}

/** A refusal's JSON body, read up to `maxBytes`; undefined when it is longer or not JSON. */
async function boundedJson(body: Readable, maxBytes: number): Promise<unknown> {
  const pieces: Buffer[] = [];
  let length = 0;
  for await (const piece of body) {
    length += (piece as Buffer).length;
    if (length > maxBytes) return undefined;
    pieces.push(piece as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(pieces).toString('utf8'));
  } catch {
    return undefined;
  }
}
