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
import type { Image } from '../io/image.js';
import type { Manifest, ManifestItem } from '../io/manifest.js';
import { PreprocessCache } from '../preprocess/cache.js';
import type { AffineTransform3, Vec3 } from '../io/geometry.js';
import { landmarkGrid, type LandmarkGrid } from '../preprocess/landmarks.js';
import { LandmarkPatchDataset, type ScanPatches } from './landmark-patches.js';
import type { PatchStore } from './patch-store.js';
import type { LoaderPool } from './loader-pool.js';
import { errorMessage } from '../util/error-message.js';
import { lungMaskOf, type DrasclrPreprocessOptions } from '../preprocess/drasclr.js';
import { downsampleMask } from '../preprocess/registration.js';
import { resample } from '../preprocess/resample.js';
import {
  CACHE_VERSION,
  findAtlas,
  scanOutcomes,
  readScan,
  scanId,
  sourcesOf,
  type PatchPreparationSettings,
  type ScanContext,
  type PreparedScan,
} from './landmark-scan.js';

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
  /**
   * write every used scan's patches to this store as soon as it is prepared and keep none in memory (the data set
   * reads them from the store); default: all patches in memory
   */
  store?: PatchStore;
  /**
   * prepare the scans in these loader worker threads, as many at a time as the pool has workers (default: one at a
   * time on the calling thread); the results, the cache and the store are the same either way
   */
  pool?: LoaderPool | null;
}

export function preprocessOptions(cfg: PatchPreparationSettings): DrasclrPreprocessOptions {
  return {
    spacing: cfg.spacing,
    huMin: cfg.huMin,
    huMax: cfg.huMax,
    lungLabels: cfg.lungLabels,
    threshold: { airThreshold: cfg.airThreshold },
  };
}

/** A preparation's running state: its settings, cache, log, and the report of every scan so far. */
interface Preparation {
  cfg: PatchPreparationSettings;
  prep: DrasclrPreprocessOptions;
  cache: PreprocessCache;
  log: (line: string) => void;
  reports: ScanReport[];
}

function skip(p: Preparation, item: ManifestItem, reason: string): void {
  p.reports.push({
    item: item.index,
    id: scanId(item),
    patient: item.patient,
    image: item.image,
    status: 'skipped',
    reason,
    warnings: [],
  });
  p.log(`skipped ${scanId(item)} (item ${item.index}): ${reason}`);
}

/** The chosen items (`items`, default all); those that are not 3D volumes are skipped. */
function selectScans(p: Preparation, manifest: Manifest): { items: ManifestItem[]; scans: ManifestItem[] } {
  let items = manifest.items;
  if (p.cfg.items) {
    const bad = p.cfg.items.filter((i) => i >= manifest.items.length);
    if (bad.length) throw new Error(`items: ${bad.join(', ')} outside the manifest's ${manifest.items.length} items`);
    items = p.cfg.items.map((i) => manifest.items[i]!);
  }
  const scans: ManifestItem[] = [];
  for (const item of items) {
    if (item.kind !== '3d') skip(p, item, `not a 3D volume (kind ${item.kind})`);
    else scans.push(item);
  }
  if (scans.length === 0) throw new Error(`${manifest.source}: no 3D scans to pre-train on`);
  return { items, scans };
}

/** The atlas (`atlas`, else the first scan with a usable lung mask) and its lung mask (cached). */
async function chooseAtlas(
  p: Preparation,
  scans: readonly ManifestItem[],
  source: string,
): Promise<{ atlas: ManifestItem; atlasLung: Image }> {
  const { cfg, prep } = p;
  const lungConfig = { version: CACHE_VERSION, part: 'lung', ...prep };
  const candidates = cfg.atlas !== undefined ? [findAtlas(scans, cfg.atlas)] : scans;
  for (const item of candidates) {
    try {
      const cached = await p.cache.getOrCompute(sourcesOf(item), lungConfig, async () => {
        const { image, label } = await readScan(item);
        const hu = resample(image, { spacing: cfg.spacing });
        return lungMaskOf(hu, label, prep).lung;
      });
      return { atlas: item, atlasLung: cached.image };
    } catch (err) {
      if (cfg.atlas !== undefined)
        throw new Error(`atlas ${scanId(item)} (item ${item.index}) is unusable: ${errorMessage(err)}`);
      skip(p, item, errorMessage(err));
    }
  }
  throw new Error(`${source}: no scan has a usable lung mask to serve as the atlas`);
}

/** The landmark grid on the atlas's lung; an atlas without any landmark is fatal. */
function atlasGrid(p: Preparation, atlas: ManifestItem, atlasLung: Image): LandmarkGrid {
  const { cfg } = p;
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
  p.log(
    `atlas ${scanId(atlas)} (item ${atlas.index}): ${grid.landmarks.length} landmarks ` +
      `(grid ${grid.gridSize.join('×')}, lung coverage ${(grid.coverage * 100).toFixed(1)}%)`,
  );
  return grid;
}

/** The report of a used scan, with a warning for the landmarks its patches miss. */
function usedReport(p: Preparation, item: ManifestItem, done: PreparedScan): ScanReport {
  const { scan, transform, cache, landmarks: L } = done;
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
    p.log(`warning: ${scan.id}: ${w}`);
  }
  const where = done.isAtlas ? 'atlas' : `Dice ${scan.dice.toFixed(3)}`;
  p.log(`${scan.id}: ${where}, ${L - dropped.length}/${L} patches (${cache === 'hit' ? 'cached' : 'computed'})`);
  return {
    item: item.index,
    id: scan.id,
    patient: item.patient,
    image: item.image,
    status: 'used',
    dice: scan.dice,
    landmarks: L - dropped.length,
    dropped,
    cache,
    transform,
    warnings,
  };
}

/**
 * The data set of the used scans (in manifest order), without the landmarks fewer than two scans have: those can
 * never get a negative.
 */
function finalDataset(
  p: Preparation,
  grid: LandmarkGrid,
  used: ScanPatches[],
  items: readonly ManifestItem[],
  store: PatchStore | null,
): { dataset: LandmarkPatchDataset; unusedLandmarks: number[] } {
  const skipped = p.reports.filter((r) => r.status === 'skipped');
  if (used.length < 2) {
    throw new Error(
      `only ${used.length} usable scan(s) of ${items.length}: contrastive pre-training needs at least 2.` +
        (skipped.length ? `\n  skipped:\n  ${skipped.map((r) => `${r.id}: ${r.reason}`).join('\n  ')}` : ''),
    );
  }
  used.sort((a, b) => a.item - b.item);
  const full = new LandmarkPatchDataset(grid.landmarks, p.cfg.patchSize, used, false, store);
  const trainable = grid.landmarks.filter((l) => full.scansWith(l.index).length >= 2).map((l) => l.index);
  const unusedLandmarks = grid.landmarks.filter((l) => full.scansWith(l.index).length < 2).map((l) => l.index);
  if (trainable.length === 0) throw new Error('no landmark has a patch in two or more scans: nothing to contrast');
  if (unusedLandmarks.length > 0)
    p.log(
      `warning: ${unusedLandmarks.length} landmarks are left out (a patch in fewer than 2 scans): ` +
        unusedLandmarks.slice(0, 20).join(', ') +
        (unusedLandmarks.length > 20 ? ', ...' : ''),
    );
  return { dataset: unusedLandmarks.length > 0 ? full.restrictLandmarks(trainable) : full, unusedLandmarks };
}

/** Prepares the landmark patches of `manifest` (see the file's comment). */
export async function prepareLandmarkPatches(
  manifest: Manifest,
  cfg: PatchPreparationSettings,
  options: PrepareOptions,
): Promise<PreparedData> {
  const t0 = performance.now();
  const cache = new PreprocessCache(options.cacheDir);
  const p: Preparation = { cfg, prep: preprocessOptions(cfg), cache, log: options.log ?? (() => {}), reports: [] };
  const { items, scans } = selectScans(p, manifest);
  const { atlas, atlasLung } = await chooseAtlas(p, scans, manifest.source);
  const grid = atlasGrid(p, atlas, atlasLung);
  const atlasFixed = downsampleMask(atlasLung, cfg.registrationSpacing);
  const ctx: ScanContext = { cfg, prep: p.prep, cache, atlas, atlasLung, atlasFixed, grid };
  const used: ScanPatches[] = [];
  const todo = scans.filter((s) => p.reports.every((r) => r.item !== s.index));
  for await (const [item, outcome] of scanOutcomes(ctx, todo, options.pool)) {
    if (!outcome.ok) {
      skip(p, item, outcome.reason);
      continue;
    }
    p.reports.push(usedReport(p, item, outcome.prepared));
    used.push(options.store ? options.store.add(outcome.prepared.scan) : outcome.prepared.scan);
  }
  p.reports.sort((a, b) => a.item - b.item);
  const { dataset, unusedLandmarks } = finalDataset(p, grid, used, items, options.store ?? null);
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
      skipped: p.reports.filter((r) => r.status === 'skipped').length,
      scans: p.reports,
      seconds: (performance.now() - t0) / 1000,
    },
  };
}
