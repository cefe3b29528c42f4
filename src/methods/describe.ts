/**
 * What each pre-training method is, for people choosing one (`medcl methods`): name, paper, what makes its positives
 * (the definition's `summary`), the paper defaults its definition states, and the main settings of the config a run
 * gets when nothing is overridden (resolvePretrainConfig / parseDrasclrConfig with placeholder data and out).
 */
import { METHODS, SLICE_METHODS } from './registry.js';
import { drasclr } from './drasclr.js';
import type { SliceMethodDefinition } from './method.js';
import { resolvePretrainConfig } from './resolve-config.js';
import { parseDrasclrConfig } from './drasclr-config.js';

export type SettingValue = string | number | boolean;

export interface MethodDescription {
  name: string;
  /** the paper it comes from, as the definition cites it */
  paper: string;
  /** one line: what makes this method's positives */
  summary: string;
  /** '2d': slices or images (`medcl pretrain`); '3d': DrasCLR's landmark patches of CT volumes */
  input: '2d' | '3d';
  /** the paper's hyper-parameters, as the definition states them (over the global defaults) */
  defaults: Record<string, unknown>;
  /** the main settings a run without overrides uses (resolved config) */
  keySettings: Record<string, SettingValue>;
  /** 2D methods: the encoder it pre-trains, the backbones it accepts, its paper's fine-tuning recipe */
  capabilities?: Pick<SliceMethodDefinition, 'encoder' | 'backbones' | 'finetuneRecipe'>;
}

/** settings every 2D method has, shown first */
const COMMON_2D = ['epochs', 'batchSize', 'optimizer', 'lr', 'schedule', 'tau', 'preset', 'augment'] as const;
const KEYS_3D = ['epochs', 'batchSize', 'lr', 'tau', 'queueSize', 'patchSize', 'neighbours'] as const;
const PLACEHOLDER = { data: 'unused', out: 'unused' };

/** the encoder settings as `encoder.widths`, `encoder.norm`, ... (widths as 16/32/64) */
function encoderSettings(e: Record<string, unknown>): Record<string, SettingValue> {
  const out: Record<string, SettingValue> = {};
  for (const [k, v] of Object.entries(e)) out[`encoder.${k}`] = Array.isArray(v) ? v.join('/') : (v as SettingValue);
  return out;
}

function describe2d(m: SliceMethodDefinition): MethodDescription {
  const cfg = resolvePretrainConfig({ method: m.name, ...PLACEHOLDER });
  const all = cfg as unknown as Record<string, unknown>;
  const keySettings: Record<string, SettingValue> = {};
  for (const k of COMMON_2D) keySettings[k] = all[k] as SettingValue;
  for (const k of Object.keys(m.defaults)) {
    if (k in keySettings) continue;
    if (k === 'encoder') Object.assign(keySettings, encoderSettings(cfg.encoder));
    else if (['string', 'number', 'boolean'].includes(typeof all[k])) keySettings[k] = all[k] as SettingValue;
  }
  const defaults = JSON.parse(JSON.stringify(m.defaults)) as Record<string, unknown>;
  const capabilities = { encoder: m.encoder, backbones: [...m.backbones], finetuneRecipe: m.finetuneRecipe };
  return { name: m.name, paper: m.paper, summary: m.summary, input: '2d', defaults, keySettings, capabilities };
}

function describeDrasclr(): MethodDescription {
  const cfg = parseDrasclrConfig(PLACEHOLDER) as unknown as Record<string, unknown>;
  const keySettings: Record<string, SettingValue> = {};
  for (const k of KEYS_3D) if (cfg[k] !== undefined) keySettings[k] = cfg[k] as SettingValue;
  return {
    name: drasclr.name,
    paper: drasclr.paper,
    summary: drasclr.summary,
    input: '3d',
    defaults: { ...drasclr.defaults },
    keySettings,
  };
}

/** Every method `medcl pretrain --method` takes, in registry order, DrasCLR last. */
export function describeMethods(): MethodDescription[] {
  return METHODS.map((m) => {
    const slice = SLICE_METHODS.find((d) => d === m);
    return slice ? describe2d(slice) : describeDrasclr();
  });
}

/** `{ epochs: 200, lr: 0.1 }` → `epochs=200, lr=0.1` */
export function formatSettings(s: Record<string, SettingValue>): string {
  return Object.entries(s)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
}
