/**
 * The pixels of a streamed slice data set (src/data/slice-dataset.ts, loaderWorkers > 0): preprocessed volumes
 * (every kept slice of a manifest item) held in a byte-capped resident cache keyed by the item, loaded in the
 * loader's worker threads — from the on-disk cache of preprocessed volumes when the data set has one, else decoded
 * and preprocessed from the source files — so a data set larger than memory trains with only a window of volumes
 * resident. Label maps are not streamed: pre-training reads images only (the organ flags PolyCL-O needs are kept in
 * the data set's metadata).
 */
import type { ManifestItem } from '../io/manifest.js';
import type { LoaderPool } from './loader-pool.js';
import { ResidentCache } from './resident-cache.js';
import { loadSliceVolume, type SliceVolume, type SliceVolumeSettings } from './slice-volume.js';

/** the default cap of resident preprocessed volumes: 2 GiB */
export const DEFAULT_LOADER_CACHE_MIB = 2048;

export class SliceStream {
  readonly cache: ResidentCache<SliceVolume>;
  private readonly items = new Map<number, ManifestItem>();

  constructor(
    items: readonly ManifestItem[],
    readonly settings: SliceVolumeSettings,
    private readonly pool: LoaderPool | null,
    capBytes: number,
  ) {
    for (const it of items) this.items.set(it.index, it);
    this.cache = new ResidentCache<SliceVolume>(
      {
        // labels are not streamed (pre-training reads images only)
        load: async (key) => ({ ...(await this.load(this.item(key))), labels: null }),
        bytes: (v) => v.images.byteLength,
        describe: (key) => this.item(key).image,
      },
      capBytes,
    );
  }

  private item(key: number): ManifestItem {
    const it = this.items.get(key);
    if (!it) throw new RangeError(`SliceStream: no manifest item ${key}`);
    return it;
  }

  /** reads and preprocesses one item: in a worker when there is a pool, else here */
  load(item: ManifestItem): Promise<SliceVolume> {
    const settings = this.settings;
    return this.pool ? this.pool.run({ kind: 'slice-volume', item, settings }) : loadSliceVolume(item, settings);
  }

  /** slice z (of the kept ones) of manifest item `item`, a view into its resident volume */
  image(item: number, z: number): Float32Array {
    const n = this.settings.size * this.settings.size;
    return this.cache.get(item).images.subarray(z * n, (z + 1) * n);
  }

  /** ends the pool's workers (loads in flight reject; nothing waits on them) */
  async close(): Promise<void> {
    await this.pool?.close();
    await this.cache.settle();
  }
}
