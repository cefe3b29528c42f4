/**
 * One cell of the experiment: fine-tune `method` (from its pre-trained encoder, or from random initialisation) on a
 * fold's labelled set for budget M, test on the fold's test patients, and write the record (records.ts) with what
 * the network trained on, how its checkpoint was chosen, the steps it took and the encoder it started from.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SliceDataset } from '../data/slice-dataset.js';
import { finetune } from '../train/finetune.js';
import { overlayPng } from '../report/overlay.js';
import type { ReportImage } from '../report/html.js';
import type { CellRecord } from './records.js';
import type { ExperimentPlan } from './plan.js';
import type { FoldLabels, LabelSet } from './label-sets.js';
import type { EncoderRun } from './pretrain-cache.js';
import { exportViewerModel, VIEWER_COMMAND_SUFFIX, viewerCommand } from './viewer-models.js';

export interface CellContext {
  plan: ExperimentPlan;
  out: string;
  dataset: SliceDataset;
  log: (line: string) => void;
  progress?: 'bar' | 'lines' | 'quiet';
}

export interface CellOutcome {
  record: CellRecord;
  overlays: ReportImage[];
}

const unitWord = (unit: string, n: number) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** Fine-tunes and tests one cell; `keepOverlays` prediction overlays are drawn for the report. */
export async function runCell(
  ctx: CellContext,
  method: string,
  labels: FoldLabels,
  set: LabelSet,
  encoder: EncoderRun | null,
  keepOverlays: number,
): Promise<CellOutcome> {
  const { plan, dataset: ds } = ctx;
  const { cfg } = plan;
  const fold = labels.fold.index;
  const t0 = Date.now();
  const validation = set.validationPatients.length;
  ctx.log(
    `fold ${fold}, M=${set.budget}: fine-tuning ${method} on ${unitWord('image', set.train.length)} ` +
      `(${unitWord('patient', set.trainPatients.length)})` +
      (validation > 0 ? `, checkpoint chosen on ${unitWord('validation patient', validation)}` : ''),
  );
  const runDir = path.join(ctx.out, 'finetune', method, `M${set.budget}`, `fold${fold}`);
  const r = await finetune(
    { ...plan.finetune, ...(encoder ? { init: encoder.file } : {}), seed: cfg.seed + fold },
    ds,
    { train: set.train, val: set.val, test: labels.test },
    { keepPredictions: keepOverlays, out: runDir, progress: ctx.progress },
  );
  const record: CellRecord = {
    method,
    M: set.budget,
    fold,
    values: {
      ...(r.meanDice !== null ? { dice: r.meanDice } : {}),
      ...(r.meanHd95 !== null ? { hd95: r.meanHd95 } : {}),
    },
    cases: r.test,
    selection: cfg.selection,
    bestEpoch: r.bestEpoch,
    bestValDice: r.bestValDice,
    trainPatients: set.trainPatients.length,
    trainImages: set.train.length,
    validationPatients: validation,
    validationImages: set.val.length,
    stepsPerEpoch: r.stepsPerEpoch,
    totalSteps: r.totalSteps,
    excludedCases: r.excludedCases,
    hd95Unit: r.hd95Unit,
    encoder: encoder ? encoder.ref : null,
    loadedTensors: r.loaded.length,
    seconds: (Date.now() - t0) / 1000,
  };
  const dice = r.meanDice === null ? 'none (every test case excluded)' : r.meanDice.toFixed(3);
  ctx.log(
    `  ${method}: test Dice ${dice}${r.meanHd95 !== null ? `, HD95 ${r.meanHd95.toFixed(1)} ${r.hd95Unit}` : ''}`,
  );
  const overlays = await overlaysOf(ctx, method, set, r.predictions, path.join(runDir, 'model'));
  return { record, overlays };
}

/**
 * prediction overlays (fill) over the reference (contour) of the kept test predictions; an overlay of a volume's
 * slice carries the command that opens the volume with this cell's network in `medcl view`
 */
async function overlaysOf(
  ctx: CellContext,
  method: string,
  set: LabelSet,
  predictions: ReadonlyMap<number, Uint8Array>,
  modelDir: string,
): Promise<ReportImage[]> {
  const ds = ctx.dataset;
  const overlays: ReportImage[] = [];
  const volumes = [...predictions.keys()].some((id) => ds.samples[id]!.slicesInVolume > 1);
  const onnx = volumes ? exportViewerModel(ctx.out, method, set.budget, modelDir, ctx.log) : null;
  for (const [id, pred] of predictions) {
    const file = path.join(ctx.out, 'overlays', `${method}-sample${id}.png`);
    const png = await overlayPng(
      { data: ds.images[id]!, shape: [ds.size, ds.size] },
      { reference: ds.labels[id]!, prediction: pred, referenceStyle: 'contour', predictionStyle: 'fill', scale: 2 },
      file,
    );
    const sample = ds.samples[id]!;
    const command =
      onnx && sample.slicesInVolume > 1 ? viewerCommand(onnx, ds.manifest.items[sample.item]!.image) : undefined;
    // beside the picture, for reports assembled later from the files (the demo's, a resumed run's)
    if (command) writeFileSync(file.replace(/\.png$/, VIEWER_COMMAND_SUFFIX), command + '\n');
    overlays.push({
      caption: `${method}, M=${set.budget}: ${ds.describe(id)} (fill = prediction, contour = reference)`,
      png,
      ...(command ? { command } : {}),
    });
  }
  return overlays;
}
