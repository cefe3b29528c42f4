/**
 * The building of a slice data set (src/data/slice-dataset.ts) from its items' preprocessed volumes: the samples,
 * volume facts and (unless streamed) pixels, item after item in manifest order.
 */
import type { ManifestItem } from '../io/manifest.js';
import type { VolumeInfo } from './volume-info.js';
import type { SliceSample, VolumeGeometry } from './slice-dataset.js';
import type { SliceVolume } from './slice-volume.js';

/** The samples, volume facts and (unless streamed) pixels of a data set being built, item after item. */
export class SliceCollector {
  readonly samples: SliceSample[] = [];
  readonly images: Float32Array[] = [];
  readonly labels: (Uint8Array | null)[] = [];
  readonly volumes: VolumeInfo[] = [];
  readonly spacing: [number, number][] = [];
  readonly geometry: VolumeGeometry[] = [];

  constructor(
    private readonly n: number,
    private readonly organClass: number,
    private readonly keepPixels: boolean,
  ) {}

  add(item: ManifestItem, v: SliceVolume): void {
    const volume = this.volumes.length;
    const n = this.n;
    const flags: boolean[] = [];
    for (let z = 0; z < v.kept; z++) {
      const lab = v.labels ? v.labels.slice(z * n, (z + 1) * n) : null;
      const flag = lab ? lab.includes(this.organClass) : undefined;
      if (flag !== undefined) flags.push(flag);
      this.samples.push({
        id: this.samples.length,
        item: item.index,
        patient: item.patient,
        time: item.time,
        volumeId: String(item.index),
        volume,
        sliceIndex: z,
        slicesInVolume: v.kept,
        organFlag: flag,
      });
      if (this.keepPixels) {
        this.images.push(v.images.slice(z * n, (z + 1) * n));
        this.labels.push(lab);
      }
    }
    this.volumes.push({
      id: String(item.index),
      slices: v.kept,
      patient: item.patient,
      ...(v.labels ? { organFlags: flags } : {}),
    });
    const sp = v.spacing;
    this.spacing.push([sp[sp.length - 2]!, sp[sp.length - 1]!]);
    // z spacing after preprocessing (kept slices are contiguous: resizing is in-plane only)
    this.geometry.push({ sliceSpacing: v.shape.length === 3 ? sp[0]! : null, spacingKnown: v.spacingKnown });
  }
}

/**
 * `fn` over `xs` with up to `depth` calls in flight, the results yielded in the order of `xs` (so what is built from
 * them never depends on which finishes first).
 */
export async function* inOrder<T, R>(xs: readonly T[], depth: number, fn: (x: T) => Promise<R>): AsyncGenerator<R> {
  const pending: Promise<R>[] = [];
  let next = 0;
  const launch = (): void => {
    const p = fn(xs[next++]!);
    // a later item's failure is reported when its turn comes, not as an unhandled rejection
    p.catch(() => {});
    pending.push(p);
  };
  while (next < xs.length && pending.length < depth) launch();
  while (pending.length > 0) {
    const r = await pending.shift()!;
    if (next < xs.length) launch();
    yield r;
  }
}
