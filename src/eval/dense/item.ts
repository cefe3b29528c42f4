/**
 * Dense prediction of one prepared scan of a DrasCLR run, from its files: the manifest item pre-processed as the
 * preparation did, its transform from the preparation report, the atlas grid from the atlas image; and the
 * prediction written as NIfTI.
 */
import path from 'node:path';
import { ensureDir } from '../../engine/checkpoint/ensure-dir.js';
import type { Manifest } from '../../io/manifest.js';
import { writeNifti } from '../../io/nifti.js';
import { readImage } from '../../io/read.js';
import { resample } from '../../preprocess/resample.js';
import { preprocessScan } from '../../preprocess/drasclr.js';
import type { AtlasLandmark } from '../../preprocess/landmarks.js';
import type { DrasclrConfig } from '../../methods/drasclr-config.js';
import type { PreparationReport } from '../../data/landmark-prepare.js';
import { isotropicGeometry, type GridGeometry } from './atlas-location.js';
import { densePredict, type DensePredictionOptions, type DensePredictionResult } from './predict.js';
import type { WindowClassifier } from './windows.js';

export type DenseScanConfig = Pick<
  DrasclrConfig,
  'spacing' | 'huMin' | 'huMax' | 'lungLabels' | 'airThreshold' | 'patchSize' | 'padding' | 'padValue'
>;

/** Writes `<id>_probability.nii.gz` (float32) and `<id>_mask.nii.gz` (uint8) into `dir`, with the scan's grid. */
export async function writeDensePrediction(
  result: Pick<DensePredictionResult, 'probability' | 'mask'>,
  dir: string,
  id: string,
): Promise<{ probability: string; mask: string }> {
  ensureDir(dir);
  const probability = path.join(dir, `${id}_probability.nii.gz`);
  const mask = path.join(dir, `${id}_mask.nii.gz`);
  await writeNifti(probability, result.probability, { description: 'medcl DrasCLR lesion probability' });
  await writeNifti(mask, result.mask, { description: 'medcl DrasCLR lesion mask' });
  return { probability, mask };
}

export interface DenseItemArgs {
  manifest: Pick<Manifest, 'items'>;
  report: Pick<PreparationReport, 'scans' | 'atlas'>;
  landmarks: readonly Pick<AtlasLandmark, 'world' | 'location'>[];
  config: DenseScanConfig;
  item: number;
  classifier: WindowClassifier;
  atlas?: GridGeometry;
  options?: Omit<DensePredictionOptions, 'patchSize' | 'padding' | 'padValue'>;
}

/** the preparation's record of a scan it used (with its transform) */
function usedScan(args: DenseItemArgs) {
  const rec = args.report.scans.find((r) => r.item === args.item);
  if (!rec) throw new Error(`densePredictItem: item ${args.item} is not in the preparation report`);
  if (rec.status !== 'used' || !rec.transform)
    throw new Error(
      `densePredictItem: scan ${rec.id} (item ${args.item}) was not used: ${rec.reason ?? 'no transform'}`,
    );
  return { id: rec.id, transform: rec.transform };
}

/** the atlas's isotropic grid: given, or from the atlas item's image */
async function atlasGrid(args: DenseItemArgs): Promise<GridGeometry> {
  if (args.atlas) return args.atlas;
  const atlasItem = args.manifest.items[args.report.atlas.item];
  if (!atlasItem) throw new Error(`densePredictItem: the atlas item ${args.report.atlas.item} is not in the manifest`);
  return isotropicGeometry(await readImage(atlasItem.image), args.config.spacing);
}

/**
 * Dense prediction of one prepared scan of a run: reads the manifest item (image and, when present, label map),
 * pre-processes it as the preparation did, takes its transform from the preparation report and the atlas grid from
 * the atlas image (or `atlas`). `item` is the manifest item index of a scan the preparation USED.
 */
export async function densePredictItem(args: DenseItemArgs): Promise<DensePredictionResult & { id: string }> {
  const { config } = args;
  const { id, transform } = usedScan(args);
  const entry = args.manifest.items[args.item];
  if (!entry) throw new Error(`densePredictItem: manifest item ${args.item} does not exist`);
  const image = await readImage(entry.image);
  const label = entry.label ? await readImage(entry.label) : undefined;
  const pre = preprocessScan(image, label, {
    spacing: config.spacing,
    huMin: config.huMin,
    huMax: config.huMax,
    lungLabels: config.lungLabels,
    threshold: { airThreshold: config.airThreshold },
  });
  const atlas = await atlasGrid(args);
  const reference = label ? resample(label, { spacing: config.spacing, interpolation: 'nearest' }) : undefined;
  const input = { image: pre.image, lung: pre.lung, transform, atlas, landmarks: args.landmarks };
  const result = densePredict(
    { ...input, classifier: args.classifier, ...(reference ? { reference } : {}) },
    { ...args.options, patchSize: config.patchSize, padding: config.padding, padValue: config.padValue },
  );
  return { ...result, id };
}
