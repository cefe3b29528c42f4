/** The report's t-SNE of encoder features: global-average-pooled, coloured by patient (2D) or slice position (3D). */
import path from 'node:path';
import { noGrad, tidy, F } from '../engine/index.js';
import type { SliceDataset } from '../data/slice-dataset.js';
import { tsne } from '../eval/tsne.js';
import { slicePosition } from '../relations/position.js';
import { buildEncoder } from '../methods/common.js';
import { loadRunEncoder } from '../train/run-encoder.js';
import { resolvePretrainConfig } from '../methods/resolve-config.js';
import { scatterSvg, svgToPng } from '../report/plot.js';
import type { ReportImage } from '../report/html.js';
import type { EncoderRun } from './pretrain-cache.js';
import { pretrainInputFor, type ExperimentPlan } from './plan.js';

/** the encoder of a run, or a randomly initialised one of the experiment's architecture (Random) */
function encoderOf(plan: ExperimentPlan, enc: EncoderRun | null, out: string) {
  if (enc) return loadRunEncoder(path.dirname(enc.file)).encoder;
  const pcfg = resolvePretrainConfig(pretrainInputFor(plan, 'simclr', { out, seed: plan.cfg.seed, cacheDir: out }));
  const e = buildEncoder(pcfg);
  e.eval();
  return e;
}

export async function tsnePlot(
  plan: ExperimentPlan,
  method: string,
  enc: EncoderRun | null,
  ds: SliceDataset,
  ids: number[],
  out: string,
): Promise<ReportImage | null> {
  const pick = ids.slice(0, 400);
  if (pick.length < 10) return null;
  const encoder = encoderOf(plan, enc, out);
  const feats: number[] = [];
  let dim = 0;
  for (let i = 0; i < pick.length; i += 32) {
    const chunk = pick.slice(i, i + 32);
    const f = noGrad(() =>
      tidy(() => F.normalize(encoder.forward(ds.imageBatch(chunk)).mean([2, 3]), { dim: 1 }).toFloat64Array()),
    );
    dim = f.length / chunk.length;
    feats.push(...f);
  }
  const r = tsne(Float64Array.from(feats), dim, {
    seed: plan.cfg.seed,
    perplexity: Math.min(30, Math.floor((pick.length - 1) / 3)),
  });
  const isVolume = ds.samples[pick[0]!]!.slicesInVolume > 1;
  const svg = scatterSvg(r.embedding, {
    title: `t-SNE of ${method} encoder features`,
    ...(isVolume
      ? {
          values: pick.map((id) => slicePosition(ds.samples[id]!.sliceIndex, ds.samples[id]!.slicesInVolume)),
          colourLabel: 'slice position',
        }
      : { categories: pick.map((id) => ds.samples[id]!.patient), colourLabel: 'patient' }),
  });
  const png = await svgToPng(svg, path.join(out, `tsne-${method}.png`));
  return { caption: `t-SNE of ${method} encoder features (${pick.length} images)`, png };
}
