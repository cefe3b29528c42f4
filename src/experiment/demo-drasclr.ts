/**
 * The DrasCLR part of `medcl demo`: pre-train on the lung CT phantoms (atlas registration, landmark patches,
 * Loc-CondConv encoder, per-landmark queues), then every downstream task of src/experiment/evaluate-drasclr.ts beside a
 * random-init encoder. Sizes are cut down from the paper's (4 mm voxels instead of 1 mm, 12³ patches instead of 32³,
 * 20 subjects, 4 pre-training and 5 fine-tuning epochs) to run in minutes on 2 CPU cores.
 */
import path from 'node:path';
import type { DrasclrInput } from '../methods/drasclr-config.js';
import { pretrainDrasclr } from '../train/pretrain-drasclr.js';
import { evaluateDrasclrRun, type DrasclrEvaluation } from './evaluate-drasclr.js';

/** the demo's lung CT phantom set (default sizes) and the tiny one for tests */
export function demoLungCtPhantoms(tiny: boolean): { subjects: number; shape: [number, number, number] } {
  return tiny ? { subjects: 8, shape: [32, 48, 48] } : { subjects: 20, shape: [48, 80, 80] };
}

export function demoDrasclrConfig(data: string, out: string, seed: number, tiny: boolean): DrasclrInput {
  return {
    data,
    out,
    seed,
    spacing: 4,
    patchSize: tiny ? 8 : 12,
    step: tiny ? 6 : 9,
    epochs: tiny ? 1 : 4,
    batchSize: tiny ? 4 : 10,
    queueSize: tiny ? 8 : 40,
    minDice: 0.5,
    registrationResolutions: tiny ? 1 : 2,
    ...(tiny
      ? {
          layers: [
            { out: 4, stride: 2 },
            { out: 8, stride: 2 },
          ],
          headHidden: 8,
          projectionDim: 8,
        }
      : {}),
  };
}

export interface DrasclrDemoResult {
  evaluation: DrasclrEvaluation;
  config: DrasclrInput;
  /** one sentence for the report's summary */
  summary: string;
}

export async function runDrasclrDemo(
  dataDir: string,
  out: string,
  seed: number,
  tiny: boolean,
  log: (line: string) => void,
  progress?: 'bar' | 'lines' | 'quiet',
): Promise<DrasclrDemoResult> {
  const config = demoDrasclrConfig(
    path.join(dataDir, 'lungct', 'manifest.json'),
    path.join(out, 'pretrain'),
    seed,
    tiny,
  );
  await pretrainDrasclr(config, { log, progress });
  const evaluation = await evaluateDrasclrRun({
    run: config.out,
    out: path.join(out, 'evaluation'),
    folds: tiny ? 2 : 5,
    seed,
    finetune: { epochs: tiny ? 1 : 5 },
    denseScans: tiny ? 1 : 2,
    denseStep: tiny ? 4 : 3,
    log,
  });
  const metric = (r: typeof evaluation.outcomes.pretrained | null, label: string, m: number): number | null =>
    r?.outcomes.find((o) => o.label === label)?.metrics[m]?.mean ?? null;
  const f = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : v.toFixed(2));
  const o = evaluation.outcomes;
  const p = evaluation.patches;
  const summary =
    `Lung CT phantoms (DrasCLR, linear readouts, pre-trained vs random init): R² of log score ` +
    `${f(metric(o.pretrained, 'log(score)', 0))} vs ${f(metric(o.random, 'log(score)', 0))}, stage accuracy ` +
    `${f(metric(o.pretrained, 'stage', 0))} vs ${f(metric(o.random, 'stage', 0))}` +
    (p
      ? `; lesion-patch F1 by linear readout ${f(p.pretrained.linear.summary.f1.mean)} vs ${f(p.random?.linear.summary.f1.mean)}, ` +
        `by full fine-tuning ${f(p.pretrained.finetune.summary.f1.mean)} vs ${f(p.random?.finetune.summary.f1.mean)}.`
      : '.');
  return { evaluation, config, summary };
}
