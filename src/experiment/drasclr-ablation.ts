/**
 * The DrasCLR ablations of the paper (Yu et al. §4.4): how the anatomical location enters the encoder (Table 6: no
 * conditioning, concatenation, Loc-CondConv; ℓ = 2 neighbours) and how many neighbouring landmarks the neighbouring
 * loss uses (Table 8: ℓ = 0..3; Loc-CondConv), each scored like the paper by cross-validated linear readouts of the
 * image-level representation (R² of log score ~ log FEV1pp, accuracy and 1-off of the stage ~ GOLD, and the survival
 * C-index). A randomly initialised encoder of the reference architecture is scored by the same path as the floor.
 *
 * `medcl experiment --config ablation.json` with `{"kind": "drasclr-ablation", "data": ..., "out": ...}`. Every
 * variant pre-trains into OUT/variants/<name>/ (resumable: a finished variant is not trained again) and all share
 * one preparation cache (OUT/cache), so scans are registered once. OUT is locked while the ablation runs (a second
 * ablation into it is refused). Outputs: OUT/ablation.md, OUT/ablation.json.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseConfig } from '../util/parse-config.js';
import { DRASCLR_CONDITIONINGS, type DrasclrConditioning } from '../models/drasclr-encoder.js';
import { parseDrasclrConfig, type DrasclrConfig, type DrasclrInput } from '../methods/drasclr-config.js';
import type { DrasclrEncoder } from '../models/drasclr-encoder.js';
import { openRunFolder } from '../train/run-folder.js';
import { pretrainDrasclr } from '../train/pretrain-drasclr.js';
import { loadDrasclrRun, prepareRunData } from '../train/run-encoder.js';
import { evaluateScanOutcomes, randomDrasclrEncoder } from '../eval/scan-outcomes.js';
import { LUNGCT_OUTCOMES, formatOutcomeReport, outcomeSpecSchema, type OutcomeReport } from '../eval/outcomes/index.js';
import { ensureDir } from '../engine/checkpoint/ensure-dir.js';
import { formatMeanStd } from '../eval/metrics/stats.js';

const conditioning = z.enum(DRASCLR_CONDITIONINGS as unknown as [DrasclrConditioning, ...DrasclrConditioning[]]);

export const drasclrAblationSchema = z
  .object({
    kind: z.literal('drasclr-ablation'),
    name: z.string().default('DrasCLR ablation'),
    /** manifest of 3D lung CT scans with outcome fields in each item's meta */
    data: z.string().min(1),
    out: z.string().min(1),
    /** settings shared by every variant (src/methods/drasclr-config.ts; not data, out, conditioning or neighbours) */
    pretrain: z.record(z.string(), z.unknown()).default({}),
    /** Table 6 rows (at the reference ℓ) */
    conditionings: z.array(conditioning).min(1).default(['none', 'concat-features', 'loc-condconv']),
    /** Table 8 rows (with the reference conditioning) */
    neighbours: z.array(z.number().int().min(0)).min(1).default([0, 1, 2, 3]),
    /** the full method: Loc-CondConv with ℓ = 2 (paper) */
    reference: z
      .object({ conditioning: conditioning.default('loc-condconv'), neighbours: z.number().int().min(0).default(2) })
      .strict()
      .default({ conditioning: 'loc-condconv', neighbours: 2 }),
    /** also score a randomly initialised encoder (the floor) */
    randomBaseline: z.boolean().default(true),
    /** patient-grouped cross-validation folds (paper: 5) */
    folds: z.number().int().min(2).default(5),
    seed: z.number().int().min(0).default(0),
    /** outcome fields (default: the lung CT phantoms') */
    outcomes: outcomeSpecSchema.optional(),
  })
  .strict()
  .meta({ title: 'DrasCLR ablation configuration' });

export type DrasclrAblationConfig = z.infer<typeof drasclrAblationSchema>;
export type DrasclrAblationInput = z.input<typeof drasclrAblationSchema>;

export interface AblationVariant {
  name: string;
  /** 'conditioning' (Table 6), 'neighbours' (Table 8), both for the reference, 'floor' for the random encoder */
  tables: ('conditioning' | 'neighbours' | 'floor')[];
  conditioning: DrasclrConditioning;
  neighbours: number;
  pretrained: boolean;
}

export interface AblationRow extends AblationVariant {
  report: OutcomeReport;
  /** seconds of pre-training in this call (0 when it was already done) */
  seconds: number;
}

export interface DrasclrAblationResult {
  out: string;
  rows: AblationRow[];
  markdown: string;
}

const FORBIDDEN = ['data', 'out', 'conditioning', 'neighbours'];

export function parseDrasclrAblationConfig(input: unknown, source = 'config'): DrasclrAblationConfig {
  const cfg = parseConfig(drasclrAblationSchema, input, source);
  for (const k of FORBIDDEN)
    if (k in cfg.pretrain)
      throw new Error(`invalid DrasCLR ablation configuration: ${source}: pretrain.${k} is set by the ablation itself`);
  return cfg;
}

/** The variants: Table 6 rows, Table 8 rows, the reference once, and the random floor. */
export function ablationVariants(cfg: DrasclrAblationConfig): AblationVariant[] {
  const out = new Map<string, AblationVariant>();
  const add = (c: DrasclrConditioning, n: number, table: 'conditioning' | 'neighbours'): void => {
    const name = `${c}-l${n}`;
    const v = out.get(name) ?? { name, tables: [], conditioning: c, neighbours: n, pretrained: true };
    if (!v.tables.includes(table)) v.tables.push(table);
    out.set(name, v);
  };
  for (const c of cfg.conditionings) add(c, cfg.reference.neighbours, 'conditioning');
  for (const n of cfg.neighbours) add(cfg.reference.conditioning, n, 'neighbours');
  const list = [...out.values()];
  if (cfg.randomBaseline)
    list.unshift({
      name: 'random-init',
      tables: ['floor'],
      conditioning: cfg.reference.conditioning,
      neighbours: cfg.reference.neighbours,
      pretrained: false,
    });
  return list;
}

/** One markdown table per ablation, a column per readout metric. */
export function ablationMarkdown(cfg: DrasclrAblationConfig, rows: readonly AblationRow[]): string {
  const first = rows[0]?.report;
  if (!first) return '';
  const cols = first.outcomes.flatMap((o) => o.metrics.map((m) => `${o.label} ${m.label}`));
  const line = (r: AblationRow, label: string): string =>
    `| ${label} | ${r.report.outcomes.flatMap((o) => o.metrics.map((m) => formatMeanStd(m))).join(' | ')} |`;
  const head = `| variant | ${cols.join(' | ')} |\n| --- | ${cols.map(() => '---').join(' | ')} |`;
  const floor = rows.filter((r) => !r.pretrained);
  const parts = [
    `# ${cfg.name}`,
    '',
    `${first.k}-fold cross-validation grouped by patient (${first.patients} patients, ${first.rows} scans), seed ` +
      `${first.seed}; image-level representation = mean of the frozen patch representations; mean ± sd over folds.`,
    '',
    `## Anatomical location (paper Table 6; ℓ = ${cfg.reference.neighbours})`,
    '',
    head,
    ...rows.filter((r) => r.tables.includes('conditioning')).map((r) => line(r, r.conditioning)),
    ...floor.map((r) => line(r, 'random init (no pre-training)')),
    '',
    `## Neighbouring landmarks ℓ (paper Table 8; ${cfg.reference.conditioning})`,
    '',
    head,
    ...rows.filter((r) => r.tables.includes('neighbours')).map((r) => line(r, `ℓ = ${r.neighbours}`)),
    ...floor.map((r) => line(r, 'random init (no pre-training)')),
    '',
  ];
  return parts.join('\n');
}

export interface DrasclrAblationOptions {
  log?: (line: string) => void;
  progress?: 'bar' | 'lines' | 'quiet';
}

/** A variant's encoder: pre-trained into its folder (unless it was already) or random, and the seconds trained. */
async function variantEncoder(
  v: AblationVariant,
  pcfg: DrasclrInput,
  seed: number,
  options: DrasclrAblationOptions & { log: (line: string) => void },
): Promise<{ run: { config: DrasclrConfig; dir: string }; encoder: DrasclrEncoder; seconds: number }> {
  const dir = pcfg.out;
  if (!v.pretrained) {
    const config = parseDrasclrConfig(pcfg);
    return { run: { config, dir }, encoder: randomDrasclrEncoder(config, seed), seconds: 0 };
  }
  let seconds = 0;
  if (!existsSync(path.join(dir, 'encoder.safetensors'))) {
    options.log(`${v.name}: pre-training (${v.conditioning}, ℓ = ${v.neighbours})`);
    const t0 = performance.now();
    await pretrainDrasclr(pcfg, { progress: options.progress ?? 'quiet', log: options.log });
    seconds = (performance.now() - t0) / 1000;
  } else options.log(`${v.name}: pre-trained already (${dir})`);
  const run = loadDrasclrRun(dir);
  return { run, encoder: run.encoder, seconds };
}

/** ablation.json: per variant its settings, seconds and outcome metrics */
function ablationJson(cfg: DrasclrAblationConfig, rows: readonly AblationRow[]): string {
  const variant = (r: AblationRow) => ({
    name: r.name,
    tables: r.tables,
    conditioning: r.conditioning,
    neighbours: r.neighbours,
    pretrained: r.pretrained,
    seconds: r.seconds,
    outcomes: r.report.outcomes.map((o) => ({
      label: o.label,
      kind: o.kind,
      metrics: o.metrics.map((m) => ({ label: m.label, mean: m.mean, std: m.std, count: m.count, folds: m.folds })),
    })),
  });
  return JSON.stringify({ name: cfg.name, rows: rows.map(variant) }, null, 2) + '\n';
}

/**
 * Runs the ablation into cfg.out, locked for this run (src/train/run-lock.ts: a second ablation into the same folder
 * is refused, naming the holder); finished variants are not trained again.
 */
export async function runDrasclrAblation(
  input: DrasclrAblationInput,
  options: DrasclrAblationOptions = {},
): Promise<DrasclrAblationResult> {
  const cfg = parseDrasclrAblationConfig(input);
  const log = options.log ?? ((l: string) => process.stderr.write(l + '\n'));
  using folder = openRunFolder(cfg.out, { what: 'drasclr ablation', config: cfg, resumeFrom: [], mayChange: [] });
  const out = folder.dir;
  ensureDir(path.join(out, 'variants'));
  const cacheDir = path.join(out, 'cache');
  const variants = ablationVariants(cfg);
  log(`${cfg.name}: ${variants.map((v) => v.name).join(', ')}`);
  const rows: AblationRow[] = [];
  const base = { ...(cfg.pretrain as Partial<DrasclrInput>), data: cfg.data, seed: cfg.seed, cacheDir };
  let prepared: Awaited<ReturnType<typeof prepareRunData>> | null = null;
  for (const v of variants) {
    const dir = path.join(out, 'variants', v.name);
    const pcfg: DrasclrInput = { ...base, out: dir, conditioning: v.conditioning, neighbours: v.neighbours };
    const { run, encoder, seconds } = await variantEncoder(v, pcfg, cfg.seed, { ...options, log });
    // the preparation does not depend on the variant (conditioning, ℓ): read it from the cache once
    prepared ??= await prepareRunData(run, { cacheDir });
    const report = evaluateScanOutcomes(encoder, prepared.dataset, prepared.manifest.items, {
      outcomes: cfg.outcomes ?? LUNGCT_OUTCOMES,
      folds: cfg.folds,
      seed: cfg.seed,
    });
    ensureDir(dir);
    writeFileSync(path.join(dir, 'outcomes.md'), formatOutcomeReport(report));
    rows.push({ ...v, report, seconds });
    const metrics = (o: OutcomeReport['outcomes'][number]) =>
      o.metrics.map((m) => `${m.label} ${formatMeanStd(m)}`).join(', ');
    log(`${v.name}: ${report.outcomes.map((o) => `${o.label} ${metrics(o)}`).join('; ')}`);
  }
  const markdown = ablationMarkdown(cfg, rows);
  writeFileSync(path.join(out, 'ablation.md'), markdown);
  writeFileSync(path.join(out, 'ablation.json'), ablationJson(cfg, rows));
  log(markdown);
  return { out, rows, markdown };
}
