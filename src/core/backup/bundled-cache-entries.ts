/**
 * The file cache entries of the files in the open small-file bundle
 * (small-file-bundle.ts). Each file's place in the cache's walk order is
 * reserved when it is bundled, and every place is filled once the bundle's
 * chunk is named. Until then a file's stamp and offset are kept as numbers,
 * not as objects: a bundle stays open for thousands of files.
 */
import type { CachedFile, FileCacheWriter, FileStamp } from '../store';

export class BundledCacheEntries {
  private places: number[] = [];
  private sizes: number[] = [];
  private offsets: number[] = [];
  /** mtime, ctime (ns) and inode (as two's complement) of each file, three numbers apiece. */
  private stamps = new BigInt64Array(3 * 1024);

  constructor(private readonly cache: FileCacheWriter) {}

  /** A file read whole, bundled at `offset`. */
  add(key: string, { size, mtimeNs, ctimeNs, inode }: FileStamp, offset: number): void {
    const index = this.places.length;
    if (3 * (index + 1) > this.stamps.length) {
      const grown = new BigInt64Array(2 * this.stamps.length);
      grown.set(this.stamps);
      this.stamps = grown;
    }
    this.places.push(this.cache.reserve(key));
    this.sizes.push(size);
    this.offsets.push(offset);
    this.stamps[3 * index] = mtimeNs;
    this.stamps[3 * index + 1] = ctimeNs;
    this.stamps[3 * index + 2] = BigInt.asIntN(64, inode);
  }

  /** The bundle is the chunk `id`; `alone`: it holds one file, cached as a whole file is, with no offset. */
  named(id: string, alone: boolean): void {
    // Shared by the bundle's entries: a cached file is never changed once made.
    const chunks = [id];
    const { places, sizes, offsets, stamps } = this;
    for (let index = 0; index < places.length; index++) {
      const size = sizes[index]!;
      const mtimeNs = stamps[3 * index]!;
      const ctimeNs = stamps[3 * index + 1]!;
      const inode = BigInt.asUintN(64, stamps[3 * index + 2]!);
      // Made field by field, as every cache entry is, so all have one shape.
      const file: CachedFile = alone ? { size, mtimeNs, ctimeNs, inode, chunks } : { size, mtimeNs, ctimeNs, inode, chunks, offset: offsets[index]! };
      this.cache.fill(places[index]!, file);
    }
    this.places = [];
    this.sizes = [];
    this.offsets = [];
  }
}
