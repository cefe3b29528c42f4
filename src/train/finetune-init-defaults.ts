/**
 * Settings a fine-tuning run inherits from the pre-training run of its `init` weights: `medcl pretrain` writes
 * config.json next to encoder.safetensors, and the network fine-tuned must have the encoder pre-trained (same
 * widths, norm, backbone) and see images preprocessed the same way (preset, size, spacing). So when
 * `<folder of init>/config.json` is a pre-training config, its preset, size, spacing, encoder and the segmentation
 * model of its backbone become the run's defaults (a config file or an option still overrides each).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pretrainSchema } from '../methods/config.js';
import { segmentationModelFor } from '../models/backbones.js';
import { isPolyclMethod } from '../methods/registry.js';

export interface InheritedSettings {
  /** the pre-training config read (absolute path), or null when there is none */
  source: string | null;
  /** the settings inherited (empty when none) */
  settings: Record<string, unknown>;
  /** one line for people: what was inherited, or why nothing was */
  note: string;
}

/** The settings `init`'s pre-training run gives a fine-tuning run (none when `init` is absent or not from a run). */
export function inheritFromInit(init: string | undefined): InheritedSettings {
  if (init === undefined) return { source: null, settings: {}, note: 'no init: random initialisation' };
  const file = path.join(path.dirname(path.resolve(init)), 'config.json');
  if (!existsSync(file))
    return { source: null, settings: {}, note: `no pre-training config.json next to ${init}: nothing inherited` };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`finetune: ${file}: not valid JSON: ${(e as Error).message}`);
  }
  const r = pretrainSchema.safeParse(raw);
  if (!r.success)
    return { source: null, settings: {}, note: `${file} is not a pre-training config of medcl: nothing inherited` };
  const c = r.data;
  const model = segmentationModelFor(c.backbone, isPolyclMethod(c.method));
  const settings: Record<string, unknown> = {
    preset: c.preset,
    size: c.size,
    ...(c.spacing !== undefined ? { spacing: c.spacing } : {}),
    model,
    encoder: c.encoder,
  };
  const enc = `widths ${c.encoder.widths.join('/')}, ${c.encoder.norm} norm`;
  const note =
    `from the ${c.method} pre-training run ${file}: preset ${c.preset}, size ${c.size}` +
    `${c.spacing !== undefined ? `, spacing ${c.spacing}` : ''}, model ${model}, encoder ${enc}`;
  return { source: file, settings, note };
}
