/**
 * Decides which chunks go to the destination and gets them there. Each
 * chunk is named at once (the caller needs the ID for the tree and the
 * reference list) and queued; a batch of queued chunks is asked about with
 * one `missing` question, and only the missing ones are sealed and packed.
 * Asking before sealing means a chunk the teammate already holds (a file
 * touched but not changed, one copied or renamed) costs an HMAC, not a
 * compression.
 *
 * One batch is asked about while the next one fills, so reading and
 * chunking overlap with the question's round trip. Missing chunks are sealed
 * on the backup's thread (chunk-sealer.ts), up to sealsAhead at a time, and
 * packed in order as each is done. Memory is bounded by two batches
 * (2 × batchBytes of plaintext), sealsAhead sealed chunks and the pack being
 * written. Within a run, each ID is queued once, so each chunk is sent at
 * most once.
 */
import { chunkIdOf } from '../chunk/chunk-id';
import type { ChunkKeys } from '../chunk/chunk-keys';
import type { ChunkSealer } from '../chunk/chunk-sealer';
import type { ReferenceChunk } from '../snapshot/reference-chunks';
import { releaseBuffer } from '../util/release-buffer';
import { maxIdsPerQuestion, referenceEntrySuffix } from '../wire/chunk-protocol';
import type { ChunkDestination } from './chunk-destination';
import type { PackShipper } from './pack-shipper';

/** Plaintext queued before the batch is asked about: large enough that a question per batch costs little, small enough to hold twice. */
const batchBytes = 4 * 1024 * 1024;
/** Chunks handed to the sealing thread and not yet packed: enough that it always has the next one. */
const sealsAhead = 3;

interface Queued {
  id: string;
  /** The sender's own: sealing hands it to another thread. */
  bytes: Buffer;
  /** Reference chunks are stored as they are; data and tree chunks sealed. */
  sealed: boolean;
}

export class ChunkSender {
  private readonly queuedIds = new Set<string>();
  private batch: Queued[] = [];
  private batchSize = 0;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly keys: ChunkKeys,
    private readonly sealer: ChunkSealer,
    private readonly destination: ChunkDestination,
    private readonly shipper: PackShipper,
    private readonly signal: AbortSignal | undefined,
    /** Called with the plaintext length of each chunk the destination lacked. */
    private readonly onNewBytes: (count: number) => void,
  ) {}

  /** Queues a data or tree chunk; returns its ID. `plaintext` is handed over: the caller must not use it again. */
  async addSealed(plaintext: Buffer): Promise<string> {
    const id = chunkIdOf(this.keys.chunkIdKey, plaintext);
    await this.enqueue({ id, bytes: plaintext, sealed: true });
    return id;
  }

  /** Queues a reference chunk; its bytes are handed over as addSealed's are. */
  async addReference(chunk: ReferenceChunk): Promise<void> {
    await this.enqueue({ id: chunk.id, bytes: chunk.bytes, sealed: false });
  }

  /** Sends what is queued and waits until every missing chunk is in a pack. */
  async finish(): Promise<void> {
    await this.startBatch();
    await this.inFlight;
  }

  /** Waits for the batch in flight, if any, to end, however it ends: for clean-up after the run, before the sealer's thread stops. */
  async settle(): Promise<void> {
    await this.inFlight?.catch(() => undefined);
  }

  private async enqueue(chunk: Queued): Promise<void> {
    if (this.queuedIds.has(chunk.id)) {
      releaseBuffer(chunk.bytes);
      return;
    }
    this.queuedIds.add(chunk.id);
    this.batch.push(chunk);
    this.batchSize += chunk.bytes.length;
    if (this.batchSize >= batchBytes || this.batch.length === maxIdsPerQuestion) await this.startBatch();
  }

  /** Waits for the batch before (so at most one is in flight), then starts on this one without waiting for it. */
  private async startBatch(): Promise<void> {
    await this.inFlight;
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    this.batchSize = 0;
    this.inFlight = this.send(batch);
    // Its failure surfaces at the next startBatch or finish; until then it must not count as unhandled.
    this.inFlight.catch(() => undefined);
  }

  private async send(batch: (Queued | undefined)[]): Promise<void> {
    this.signal?.throwIfAborted();
    const missing = await this.destination.missing(
      batch.map((chunk) => chunk!.id),
      this.signal,
    );
    const packing: { name: string; content: Promise<readonly Buffer[]> }[] = [];
    try {
      for (let index = 0; index < batch.length; index++) {
        const chunk = batch[index]!;
        // The batch does not keep a chunk's plaintext once it is handed on, so memory falls as the batch drains.
        batch[index] = undefined;
        if (!missing.has(chunk.id)) {
          releaseBuffer(chunk.bytes);
          continue;
        }
        this.onNewBytes(chunk.bytes.length);
        this.signal?.throwIfAborted();
        const content = chunk.sealed ? this.sealer.seal(chunk.id, chunk.bytes) : Promise.resolve([chunk.bytes]);
        // Awaited in its turn below; until then a failure must not count as unhandled.
        content.catch(() => undefined);
        packing.push({ name: chunk.sealed ? chunk.id : chunk.id + referenceEntrySuffix, content });
        if (packing.length > sealsAhead) await this.pack(packing.shift()!);
      }
      while (packing.length > 0) await this.pack(packing.shift()!);
    } finally {
      // Nothing is left on the sealing thread that the run does not wait for.
      await Promise.allSettled(packing.map(({ content }) => content));
    }
  }

  private async pack({ name, content }: { name: string; content: Promise<readonly Buffer[]> }): Promise<void> {
    await this.shipper.add(name, await content);
  }
}
