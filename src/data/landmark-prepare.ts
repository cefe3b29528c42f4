/**
 * DrasCLR's data preparation over a manifest: pre-process every scan, choose the atlas, lay the landmark grid on
 * its lung, register every other scan's lung mask to it, map the landmarks and crop the patches; the result is a
 * `LandmarkPatchDataset` and a report of what was used and what was skipped, and why.
 *
 * Bad input never stops the run for the other scans (issue 6 item 6): a scan that cannot be read, has no lung, fails
 * registration (elastix error or Dice < minDice) or has no landmark patch inside its volume is SKIPPED with its
 * reason; a landmark whose patch falls outside a scan is dropped for that scan with a warning. Only a bad atlas (the
 * one named with `atlas`, or no usable scan at all) and fewer than two usable scans are fatal.
 *
 * Cache (src/preprocess/cache.ts, atomic and checksummed): per scan, the registration record and the patches, keyed
 * by the scan's and the atlas's files and every setting that changes them; and the atlas's lung mask. A second run
 * (or a resumed one) reads patches without decoding or registering anything.
 */
import { basename } from 'node:path';
import type { Image } from '../io/image.js';
import type { Manifest, ManifestItem } from '../io/manifest.js';
import { readImage } from '../io/read.js';
import { PreprocessCache } from '../preprocess/cache.js';
import { identityAffine, type AffineTransform3, type Vec3 } from '../io/geometry.js';
import { landmarkGrid, mapLandmarks, type LandmarkGrid } from '../preprocess/landmarks.js';
import {
  LandmarkPatchDataset,
  extractPatch,
  patchPlacement,
  type PatchPadding,
  type ScanPatches,
} from './landmark-patches.js';
import { lungMaskOf, preprocessScan, type DrasclrPreprocessOptions } from '../preprocess/drasclr.js';
import { downsampleMask, registerLungMasks } from '../preprocess/registration.js';
import { resample } from '../preprocess/resample.js';

/** bump when the meaning of a cached entry changes */
const CACHE_VERSION = 'drasclr-prepare-1';

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

export interface ScanReport {
  /** manifest item index */
  item: number;
  id: string;
  patient: string;
  image: string;
  status: 'used' | 'skipped';
  /** why the scan was skipped */
  reason?: string;
  /** registered lung Dice with the atlas (1 for the atlas) */
  dice?: number;
  /** landmarks with a patch in this scan */
  landmarks?: number;
  /** landmarks dropped for this scan (their patch falls outside it) */
  dropped?: number[];
  /** 'hit': patches read from the cache */
  cache?: 'hit' | 'miss';
  transform?: AffineTransform3;
  warnings: string[];
}

export interface PreparationReport {
  atlas: { item: number; id: string; image: string };
  /** landmarks trained on (the data set's, re-indexed 0..) */
  landmarks: number;
  /** grid landmarks left out: fewer than two scans have their patch */
  unusedLandmarks: number[];
  gridSize: Vec3;
  /** fraction of the atlas lung inside at least one landmark patch */
  coverage: number;
  used: number;
  skipped: number;
  scans: ScanReport[];
  seconds: number;
}

export interface PreparedData {
  dataset: LandmarkPatchDataset;
  grid: LandmarkGrid;
  report: PreparationReport;
}

export interface PrepareOptions {
  /** cache folder */
  cacheDir: string;
  /** progress and warning lines (default: none) */
  log?: (line: string) => void;
}

/** the scan id: the image's file name without its extension(s) */
export function scanId(item: Pick<ManifestItem, 'image'>): string {
  return basename(item.image).replace(/\.(nii\.gz|nii|mha|mhd|nrrd|nhdr|dcm|hdr|hdr\.gz)$/i, '');
}

function preprocessOptions(cfg: PatchPreparationSettings): DrasclrPreprocessOptions {
  return {
    spacing: cfg.spacing,
    huMin: cfg.huMin,
    huMax: cfg.huMax,
    lungLabels: cfg.lungLabels,
    threshold: { airThreshold: cfg.airThreshold },
  };
}

function sourcesOf(item: ManifestItem): string[] {
  return item.label ? [item.image, item.label] : [item.image];
}

async function readScan(item: ManifestItem): Promise<{ image: Image; label?: Image }> {
  const image = await readImage(item.image);
  const label = item.label ? await readImage(item.label) : undefined;
  return label ? { image, label } : { image };
}

/** Resolves `atlas` (item index, patient id or image file name) among `items`. */
function findAtlas(items: readonly ManifestItem[], atlas: number | string): ManifestItem {
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

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function prepareLandmarkPatches(
  manifest: Manifest,
  cfg: PatchPreparationSettings,
  options: PrepareOptions,
): Promise<PreparedData> {
  const t0 = performance.now();
  const log = options.log ?? (() => {});
  const cache = new PreprocessCache(options.cacheDir);
  const prep = preprocessOptions(cfg);
  const reports: ScanReport[] = [];
  const skip = (item: ManifestItem, reason: string): void => {
    reports.push({
      item: item.index,
      id: scanId(item),
      patient: item.patient,
      image: item.image,
      status: 'skipped',
      reason,
      warnings: [],
    });
    log(`skipped ${scanId(item)} (item ${item.index}): ${reason}`);
  };

  // the scans: the chosen items, 3D only
  let items = manifest.items;
  if (cfg.items) {
    const bad = cfg.items.filter((i) => i >= manifest.items.length);
    if (bad.length) throw new Error(`items: ${bad.join(', ')} outside the manifest's ${manifest.items.length} items`);
    items = cfg.items.map((i) => manifest.items[i]!);
  }
  const scans: ManifestItem[] = [];
  for (const item of items) {
    if (item.kind !== '3d') skip(item, `not a 3D volume (kind ${item.kind})`);
    else scans.push(item);
  }
  if (scans.length === 0) throw new Error(`${manifest.source}: no 3D scans to pre-train on`);

  // the atlas and its landmark grid
  const lungConfig = { version: CACHE_VERSION, part: 'lung', ...prep };
  const atlasLungOf = async (item: ManifestItem): Promise<Image> =>
    (
      await cache.getOrCompute(sourcesOf(item), lungConfig, async () => {
        const { image, label } = await readScan(item);
        const hu = resample(image, { spacing: cfg.spacing });
        return lungMaskOf(hu, label, prep).lung;
      })
    ).image;
  let atlas: ManifestItem | null = null;
  let atlasLung: Image | null = null;
  const candidates = cfg.atlas !== undefined ? [findAtlas(scans, cfg.atlas)] : scans;
  for (const item of candidates) {
    try {
      atlasLung = await atlasLungOf(item);
      atlas = item;
      break;
    } catch (err) {
      if (cfg.atlas !== undefined)
        throw new Error(`atlas ${scanId(item)} (item ${item.index}) is unusable: ${errorMessage(err)}`);
      skip(item, errorMessage(err));
    }
  }
  if (!atlas || !atlasLung) throw new Error(`${manifest.source}: no scan has a usable lung mask to serve as the atlas`);
  const grid = landmarkGrid(atlasLung, {
    patchSize: cfg.patchSize,
    step: cfg.step,
    minLungFraction: cfg.minLungFraction,
  });
  if (grid.landmarks.length === 0)
    throw new Error(
      `atlas ${scanId(atlas)}: no ${cfg.patchSize}³ patch holds a lung fraction >= ${cfg.minLungFraction}: ` +
        'lower minLungFraction or patchSize',
    );
  log(
    `atlas ${scanId(atlas)} (item ${atlas.index}): ${grid.landmarks.length} landmarks ` +
      `(grid ${grid.gridSize.join('×')}, lung coverage ${(grid.coverage * 100).toFixed(1)}%)`,
  );
  const atlasFixed = downsampleMask(atlasLung, cfg.registrationSpacing);
  const L = grid.landmarks.length;
  const d = cfg.patchSize;
  const vol = d ** 3;

  const entryConfig = {
    version: CACHE_VERSION,
    ...prep,
    atlas: sourcesOf(atlas),
    registration: {
      spacing: cfg.registrationSpacing,
      resolutions: cfg.registrationResolutions,
      iterations: cfg.registrationIterations ?? null,
      minDice: cfg.minDice,
    },
    grid: { patchSize: d, step: cfg.step, minLungFraction: cfg.minLungFraction },
    patches: { minInsideFraction: cfg.minInsideFraction, padding: cfg.padding, padValue: cfg.padValue },
  };

  const used: ScanPatches[] = [];
  for (const item of scans.filter((s) => reports.every((r) => r.item !== s.index))) {
    const id = scanId(item);
    const isAtlas = item === atlas;
    // the atlas's sources are in the key already; the scan's own role matters too
    const keySources = [...sourcesOf(item), ...sourcesOf(atlas)];
    try {
      const recordKey = await cache.key(keySources, { ...entryConfig, part: 'record', isAtlas });
      const patchKey = await cache.key(keySources, { ...entryConfig, part: 'patches', isAtlas });
      const rec = await cache.read(recordKey);
      const pat = rec.status === 'hit' ? await cache.read(patchKey) : { status: 'miss' as const };
      const decoded = rec.status === 'hit' ? decodeRecord(rec.image!, L) : null;
      let scan: ScanPatches;
      let transform: AffineTransform3;
      let status: 'hit' | 'miss';
      if (decoded && pat.status === 'hit' && pat.image!.data instanceof Float32Array) {
        scan = {
          id,
          patient: item.patient,
          item: item.index,
          dice: decoded.dice,
          slots: decoded.slots,
          patches: pat.image!.data,
        };
        transform = decoded.transform;
        status = 'hit';
        if (scan.patches.length !== decoded.slots.filter((s) => s >= 0).length * vol)
          throw new Error('cached patches do not match the cached record (delete the cache folder)');
      } else {
        const { image, label } = await readScan(item);
        const pre = preprocessScan(image, label, prep);
        let dice = 1;
        transform = identityAffine();
        if (!isAtlas) {
          const reg = await registerLungMasks(atlasLung, pre.lung, {
            atlasFixed,
            spacing: cfg.registrationSpacing,
            resolutions: cfg.registrationResolutions,
            iterations: cfg.registrationIterations,
            minDice: cfg.minDice,
          });
          dice = reg.dice;
          transform = reg.transform;
        }
        const centres = mapLandmarks(grid.landmarks, transform, pre.image);
        const slots = new Int32Array(L).fill(-1);
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
        await cache.write(recordKey, encodeRecord(dice, transform, slots));
        await cache.write(patchKey, patchesImage(patches, count, d));
        scan = { id, patient: item.patient, item: item.index, dice, slots, patches };
        status = 'miss';
      }
      const dropped: number[] = [];
      scan.slots.forEach((s, l) => {
        if (s < 0) dropped.push(l);
      });
      const warnings: string[] = [];
      if (dropped.length > 0) {
        const w =
          `${dropped.length} of ${L} landmarks dropped: their patch falls outside the scan ` +
          `(landmarks ${dropped.slice(0, 20).join(', ')}${dropped.length > 20 ? ', ...' : ''})`;
        warnings.push(w);
        log(`warning: ${id}: ${w}`);
      }
      reports.push({
        item: item.index,
        id,
        patient: item.patient,
        image: item.image,
        status: 'used',
        dice: scan.dice,
        landmarks: L - dropped.length,
        dropped,
        cache: status,
        transform,
        warnings,
      });
      log(
        `${id}: ${isAtlas ? 'atlas' : `Dice ${scan.dice.toFixed(3)}`}, ${L - dropped.length}/${L} patches (${status === 'hit' ? 'cached' : 'computed'})`,
      );
      used.push(scan);
    } catch (err) {
      skip(item, errorMessage(err));
    }
  }
  reports.sort((a, b) => a.item - b.item);
  const skipped = reports.filter((r) => r.status === 'skipped');
  if (used.length < 2) {
    throw new Error(
      `only ${used.length} usable scan(s) of ${items.length}: contrastive pre-training needs at least 2.` +
        (skipped.length ? `\n  skipped:\n  ${skipped.map((r) => `${r.id}: ${r.reason}`).join('\n  ')}` : ''),
    );
  }
  // scans in manifest order
  used.sort((a, b) => a.item - b.item);
  const full = new LandmarkPatchDataset(grid.landmarks, d, used);
  // a landmark that fewer than two scans have can never get a negative: leave it out of training
  const trainable = grid.landmarks.filter((l) => full.scansWith(l.index).length >= 2).map((l) => l.index);
  const unusedLandmarks = grid.landmarks.filter((l) => full.scansWith(l.index).length < 2).map((l) => l.index);
  if (trainable.length === 0) throw new Error('no landmark has a patch in two or more scans: nothing to contrast');
  if (unusedLandmarks.length > 0)
    log(
      `warning: ${unusedLandmarks.length} landmarks are left out (a patch in fewer than 2 scans): ` +
        unusedLandmarks.slice(0, 20).join(', ') +
        (unusedLandmarks.length > 20 ? ', ...' : ''),
    );
  const dataset = unusedLandmarks.length > 0 ? full.restrictLandmarks(trainable) : full;
  return {
    dataset,
    grid,
    report: {
      atlas: { item: atlas.index, id: scanId(atlas), image: atlas.image },
      landmarks: dataset.landmarkCount,
      unusedLandmarks,
      gridSize: grid.gridSize,
      coverage: grid.coverage,
      used: used.length,
      skipped: skipped.length,
      scans: reports,
      seconds: (performance.now() - t0) / 1000,
    },
  };
}
