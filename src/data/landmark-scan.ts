/**
 * One scan of DrasCLR's data preparation (src/data/landmark-prepare.ts): its patches at the atlas landmarks, read
 * from the cache when there, else computed (pre-processing, registration of its lung mask to the atlas's, landmark
 * mapping, patch cropping) and cached. The cache holds, per scan, a record (registration Dice, transform, patch slot
 * of every landmark) and the patches, keyed by the scan's and the atlas's files and every setting that changes them.
 */
import type { Image } from '../io/image.js';
import type { ManifestItem } from '../io/manifest.js';
import { identityAffine, type AffineTransform3, type Vec3 } from '../io/geometry.js';
import type { PreprocessCache } from '../preprocess/cache.js';
import { mapLandmarks, type LandmarkGrid } from '../preprocess/landmarks.js';
import { preprocessScan, type DrasclrPreprocessOptions } from '../preprocess/drasclr.js';
import { registerLungMasks } from '../preprocess/registration.js';
import { extractPatch, patchPlacement, type PatchPadding, type ScanPatches } from './landmark-patches.js';
import { readImage } from '../io/read.js';
import { basename } from 'node:path';
import type { LoaderPool } from './loader-pool.js';
import { errorMessage } from '../util/error-message.js';

/**
 * The settings of a preparation: DrasCLR's config (src/methods/drasclr-config.ts, where each field's default and
 * meaning is documented) has them all.
 */
export interface PatchPreparationSettings {
  items?: readonly number[];
  atlas?: number | string;
  spacing: number;
  huMin: number;
  huMax: number;
  lungLabels?: readonly number[];
  airThreshold: number;
  registrationSpacing: number;
  registrationResolutions: number;
  registrationIterations?: number;
  minDice: number;
  patchSize: number;
  step: number;
  minLungFraction: number;
  minInsideFraction: number;
  padding: PatchPadding;
  padValue: number;
}

/** the scan id: the image's file name without its extension(s) */
export function scanId(item: Pick<ManifestItem, 'image'>): string {
  return basename(item.image).replace(/\.(nii\.gz|nii|mha|mhd|nrrd|nhdr|dcm|hdr|hdr\.gz)$/i, '');
}

/** the files a scan is read from (its image and label map) */
export function sourcesOf(item: ManifestItem): string[] {
  return item.label ? [item.image, item.label] : [item.image];
}

export async function readScan(item: ManifestItem): Promise<{ image: Image; label?: Image }> {
  const image = await readImage(item.image);
  const label = item.label ? await readImage(item.label) : undefined;
  return label ? { image, label } : { image };
}

/** Resolves `atlas` (item index, patient id or image file name) among `items`. */
export function findAtlas(items: readonly ManifestItem[], atlas: number | string): ManifestItem {
  if (typeof atlas === 'number' || /^\d+$/.test(atlas)) {
    const idx = Number(atlas);
    const hit = items.find((i) => i.index === idx);
    if (!hit) throw new Error(`atlas: manifest item ${idx} is not among the scans used (${items.length} items)`);
    return hit;
  }
  const byName = items.filter((i) => scanId(i) === atlas || basename(i.image) === atlas);
  const hits = byName.length > 0 ? byName : items.filter((i) => i.patient === atlas);
  if (hits.length === 0) throw new Error(`atlas: no scan with image name or patient id "${atlas}"`);
  if (hits.length > 1)
    throw new Error(
      `atlas: "${atlas}" matches ${hits.length} scans (items ${hits.map((h) => h.index).join(', ')}); give an item index`,
    );
  return hits[0]!;
}

/** bump when the meaning of a cached entry changes */
export const CACHE_VERSION = 'drasclr-prepare-1';

/** What every scan of a preparation shares: settings, cache, the atlas and its landmark grid. */
export interface ScanContext {
  cfg: PatchPreparationSettings;
  prep: DrasclrPreprocessOptions;
  cache: PreprocessCache;
  atlas: ManifestItem;
  atlasLung: Image;
  /** the atlas lung mask on the registration grid */
  atlasFixed: Image<Float32Array>;
  grid: LandmarkGrid;
}

export interface PreparedScan {
  scan: ScanPatches;
  transform: AffineTransform3;
  /** 'hit': read from the cache */
  cache: 'hit' | 'miss';
  isAtlas: boolean;
  /** the grid's landmark count */
  landmarks: number;
}

/** The record stored next to a scan's patches: [format, dice, A (9), t (3), c (3), L, slots (L)]. */
function encodeRecord(dice: number, t: AffineTransform3, slots: Int32Array): Image<Float64Array> {
  const data = new Float64Array(18 + slots.length);
  data.set([1, dice, ...t.matrix, ...t.translation, ...t.center, slots.length]);
  data.set(slots, 18);
  return { data, shape: [data.length], spacing: [1], origin: [0], direction: [1] };
}

function decodeRecord(
  img: Image,
  landmarks: number,
): { dice: number; transform: AffineTransform3; slots: Int32Array } | null {
  const d = img.data;
  if (d[0] !== 1 || d[17] !== landmarks || d.length !== 18 + landmarks) return null;
  const v = Array.from(d);
  return {
    dice: v[1]!,
    transform: { matrix: v.slice(2, 11), translation: v.slice(11, 14) as Vec3, center: v.slice(14, 17) as Vec3 },
    slots: Int32Array.from(v.slice(18)),
  };
}

function patchesImage(patches: Float32Array, count: number, d: number): Image<Float32Array> {
  const eye4 = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
  return { data: patches, shape: [count, d, d, d], spacing: [1, 1, 1, 1], origin: [0, 0, 0, 0], direction: eye4 };
}

/** the settings the cached entries depend on */
function entryConfig(ctx: ScanContext): Record<string, unknown> {
  const { cfg } = ctx;
  return {
    version: CACHE_VERSION,
    ...ctx.prep,
    atlas: sourcesOf(ctx.atlas),
    registration: {
      spacing: cfg.registrationSpacing,
      resolutions: cfg.registrationResolutions,
      iterations: cfg.registrationIterations ?? null,
      minDice: cfg.minDice,
    },
    grid: { patchSize: cfg.patchSize, step: cfg.step, minLungFraction: cfg.minLungFraction },
    patches: { minInsideFraction: cfg.minInsideFraction, padding: cfg.padding, padValue: cfg.padValue },
  };
}

/** The scan's registration to the atlas (identity for the atlas itself). */
async function registerScan(ctx: ScanContext, lung: Image, isAtlas: boolean) {
  if (isAtlas) return { dice: 1, transform: identityAffine() };
  const { cfg } = ctx;
  return registerLungMasks(ctx.atlasLung, lung, {
    atlasFixed: ctx.atlasFixed,
    spacing: cfg.registrationSpacing,
    resolutions: cfg.registrationResolutions,
    iterations: cfg.registrationIterations,
    minDice: cfg.minDice,
  });
}

/** Reads, pre-processes and registers the scan, and crops its patches at the mapped landmarks. */
async function computeScan(ctx: ScanContext, item: ManifestItem, isAtlas: boolean) {
  const { cfg } = ctx;
  const d = cfg.patchSize;
  const vol = d ** 3;
  const { image, label } = await readScan(item);
  const pre = preprocessScan(image, label, ctx.prep);
  const { dice, transform } = await registerScan(ctx, pre.lung, isAtlas);
  const centres = mapLandmarks(ctx.grid.landmarks, transform, pre.image);
  const slots = new Int32Array(ctx.grid.landmarks.length).fill(-1);
  const placements = centres.map((c) => patchPlacement(c, pre.image.shape, d));
  let count = 0;
  placements.forEach((p, l) => {
    if (p.insideFraction >= cfg.minInsideFraction) slots[l] = count++;
  });
  if (count === 0)
    throw new Error(
      `no landmark patch lies inside the scan (at least ${cfg.minInsideFraction} of each ${d}³ patch must): ` +
        'check the registration and the scan range',
    );
  const patches = new Float32Array(count * vol);
  placements.forEach((p, l) => {
    if (slots[l]! >= 0) extractPatch(pre.image, p.start, d, patches, slots[l]! * vol, cfg.padding, cfg.padValue);
  });
  return { dice, transform, slots, patches, count };
}

/** The scan's patches: from the cache when its record and patches are there, else computed and cached. */
export async function prepareScan(ctx: ScanContext, item: ManifestItem): Promise<PreparedScan> {
  const id = scanId(item);
  // by index, not identity: in a loader worker the item and the atlas are copies
  const isAtlas = item.index === ctx.atlas.index;
  const L = ctx.grid.landmarks.length;
  const vol = ctx.cfg.patchSize ** 3;
  // the atlas's sources are in the key already; the scan's own role matters too
  const keySources = [...sourcesOf(item), ...sourcesOf(ctx.atlas)];
  const config = entryConfig(ctx);
  const recordKey = await ctx.cache.key(keySources, { ...config, part: 'record', isAtlas });
  const patchKey = await ctx.cache.key(keySources, { ...config, part: 'patches', isAtlas });
  const rec = await ctx.cache.read(recordKey);
  const pat = rec.status === 'hit' ? await ctx.cache.read(patchKey) : { status: 'miss' as const };
  const decoded = rec.status === 'hit' ? decodeRecord(rec.image!, L) : null;
  const base = { id, patient: item.patient, item: item.index };
  if (decoded && pat.status === 'hit' && pat.image!.data instanceof Float32Array) {
    const scan = { ...base, dice: decoded.dice, slots: decoded.slots, patches: pat.image!.data };
    if (scan.patches.length !== decoded.slots.filter((s) => s >= 0).length * vol)
      throw new Error('cached patches do not match the cached record (delete the cache folder)');
    return { scan, transform: decoded.transform, cache: 'hit', isAtlas, landmarks: L };
  }
  const c = await computeScan(ctx, item, isAtlas);
  await ctx.cache.write(recordKey, encodeRecord(c.dice, c.transform, c.slots));
  await ctx.cache.write(patchKey, patchesImage(c.patches, c.count, ctx.cfg.patchSize));
  const scan = { ...base, dice: c.dice, slots: c.slots, patches: c.patches };
  return { scan, transform: c.transform, cache: 'miss', isAtlas, landmarks: L };
}

/** A scan context as plain data (its cache as a folder), to send to a loader worker thread. */
export type ScanContextData = Omit<ScanContext, 'cache'> & { cacheDir: string };

/** a scan prepared, or why it could not be (the scan is then skipped, not the run stopped) */
export type ScanOutcome = { ok: true; prepared: PreparedScan } | { ok: false; reason: string };

/** `prepareScan` with its failure as a value: what a loader worker runs for one scan. */
export async function prepareScanOutcome(ctx: ScanContext, item: ManifestItem): Promise<ScanOutcome> {
  try {
    return { ok: true, prepared: await prepareScan(ctx, item) };
  } catch (err) {
    return { ok: false, reason: errorMessage(err) };
  }
}

/**
 * Every scan's outcome in the order given: on the calling thread one at a time, or in the pool's workers with up to
 * `pool.size` scans in flight (a sliding window, so memory holds at most that many scans' results).
 */
export async function* scanOutcomes(
  ctx: ScanContext,
  items: readonly ManifestItem[],
  pool: LoaderPool | null | undefined,
): AsyncGenerator<[ManifestItem, ScanOutcome]> {
  if (!pool) {
    for (const item of items) yield [item, await prepareScanOutcome(ctx, item)];
    return;
  }
  const { cache, ...rest } = ctx;
  const data = { ...rest, cacheDir: cache.dir };
  const start = (item: ManifestItem): Promise<ScanOutcome> => {
    const task = pool.run({ kind: 'drasclr-scan', ctx: data, item });
    // a failed worker rejects every task in flight: the first awaited one throws, the rest must not go unhandled
    task.catch(() => {});
    return task;
  };
  const window = items.slice(0, pool.size).map(start);
  for (let i = 0; i < items.length; i++) {
    const outcome = await window.shift()!;
    if (i + pool.size < items.length) window.push(start(items[i + pool.size]!));
    yield [items[i]!, outcome];
  }
}
