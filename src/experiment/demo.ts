/**
 * `medcl demo`: generate the seeded phantoms, run two small experiments — Random vs SimCLR vs CL-TCI-SimCLR on the
 * chest X-ray phantoms, Random vs PCL on the CT phantoms — at two label budgets over 3 folds — and write
 * one HTML report (tables, plots, overlays, t-SNE, configs) that says plainly whether pre-training helped.
 *
 * Sizes are cut down from the papers' (64×64 images, a 4-stage U-Net 16..128, tens of epochs instead of hundreds)
 * so the whole demo runs in about 10 minutes on 2 CPU cores; `scale: 'tiny'` is for tests.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writePhantoms } from '../phantoms/write.js';
import { runExperiment, type CellRecord, type ExperimentResult } from './experiment.js';
import type { ExperimentInput } from './config.js';
import { summarize, tableToMarkdown } from '../report/table.js';
import { linePlotSvg, seriesFromTable, svgToPng } from '../report/plot.js';
import { writeHtmlReport, machineInfo, type ReportImage } from '../report/html.js';
import { demoLungCtPhantoms, runDrasclrDemo } from './demo-drasclr.js';
import { readViewerCommand } from './viewer-models.js';
import { ensureDir } from '../engine/checkpoint/ensure-dir.js';

/** the default demo's parts: the 2D experiments; 'lungct' (DrasCLR) is added with `--datasets xray,ct,lungct` */
export const DEFAULT_DEMO_DATASETS: ('xray' | 'ct' | 'lungct')[] = ['xray', 'ct'];

const DEMO_PARTS = ['xray', 'ct', 'lungct'] as const;

/** The demo as a user asks for it (`medcl demo`): where, which seed, the tiny scale or not, which parts. */
export const demoSettingsSchema = z
  .strictObject({
    out: z.string().min(1).default('medcl-demo'),
    seed: z.number().int().min(0).default(0),
    /** the seconds-long scale (smoke test) instead of the default */
    tiny: z.boolean().default(false),
    /** default DEFAULT_DEMO_DATASETS */
    datasets: z
      .array(z.enum(DEMO_PARTS, { error: (iss) => `expected xray, ct and/or lungct, got "${String(iss.input)}"` }))
      .min(1, 'expected xray, ct and/or lungct')
      .optional(),
  })
  .meta({ title: 'demo settings' });

/** said with every demo CT result: what the demo's CT budget can and cannot show */
export const CT_SCALE_NOTE =
  "The demo's CT budget (300 fine-tuning steps, 6 pre-training epochs) is too small to test PCL's claim: it does " +
  'not learn the small organs (spleen, kidneys, bladder) even with every label. The fidelity bench ' +
  '(npm run bench:fidelity, results in bench/results/fidelity/, docs/fidelity.md) runs the PCL protocol at a larger ' +
  'scale and reports what it measured.';

export interface DemoOptions {
  out: string;
  seed?: number;
  /** 'default' (about 10 min on 2 cores) or 'tiny' (seconds; for tests) */
  scale?: 'default' | 'tiny';
  /** which data sets (default DEFAULT_DEMO_DATASETS; lungct = the DrasCLR part) */
  datasets?: ('xray' | 'ct' | 'lungct')[];
  log?: (line: string) => void;
  progress?: 'bar' | 'lines' | 'quiet';
}

export interface DemoResult {
  report: string;
  results: string;
  experiments: Record<string, ExperimentResult>;
  summary: string;
}

function experimentFor(
  kind: 'xray' | 'ct',
  dataDir: string,
  out: string,
  seed: number,
  tiny: boolean,
): ExperimentInput {
  const encoder = tiny ? { widths: [4, 8] } : { widths: [16, 32, 64, 128] };
  const common = {
    out: path.join(out, kind),
    size: tiny ? 32 : 64,
    folds: 3,
    seed,
    overlays: 3,
    tsne: true,
    // every image of the data set, unlabelled, pre-trains once for all folds (PCL: "the whole CHD"): a third of the
    // pre-training time of per-fold runs
    pretrainImages: 'all-images',
    // 20 epochs of at least 4 steps: 80 steps at M = 2, 160 with every label (the X-ray lungs are learned by then)
    finetune: {
      epochs: tiny ? 2 : 20,
      minStepsPerEpoch: tiny ? 1 : 4,
      batchSize: 10,
      lr: 1e-3,
      loss: 'dice-ce',
      encoder,
    },
  };
  if (kind === 'xray') {
    return {
      ...common,
      name: 'chest X-ray phantoms (lungs)',
      data: path.join(dataDir, 'xray', 'manifest.json'),
      preset: 'xray',
      methods: ['random', 'simclr', 'cltci-simclr'],
      budgets: [2, 'all'],
      // the demo counts labelled patients (CL-TCI itself counts images, the X-ray default)
      budgetUnit: 'patient',
      pretrain: {
        epochs: tiny ? 1 : 30,
        batchSize: tiny ? 8 : 16,
        lr: 0.1,
        warmupEpochs: tiny ? 0 : 3,
        encoder,
        imagesPerPatient: tiny ? 2 : 4,
      },
    } as ExperimentInput;
  }
  return {
    ...common,
    name: 'CT phantoms (abdominal organs)',
    data: path.join(dataDir, 'ct', 'manifest.json'),
    preset: 'ct-pcl',
    // SimCLR, the generic baseline, is shown on the X-rays; here only PCL against Random, to keep the demo in minutes
    methods: ['random', 'pcl'],
    budgets: [1, 'all'],
    pretrain: { epochs: tiny ? 1 : 6, batchSize: tiny ? 8 : 32, lr: 0.1, warmupEpochs: 0, encoder },
    // the fidelity bench's fine-tuning (PCL's augmentation: translation, rotation, scale; Dice + CE; batch 5) with a
    // fixed number of steps whatever M is (an epoch of one volume is 13 steps), far fewer than the bench's
    finetune: {
      ...common.finetune,
      batchSize: tiny ? 4 : 5,
      augment: 'pcl',
      epochs: tiny ? 2 : 6,
      minStepsPerEpoch: tiny ? 1 : 50,
    },
  } as ExperimentInput;
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const out = path.resolve(options.out);
  const seed = options.seed ?? 0;
  const tiny = options.scale === 'tiny';
  const log = options.log ?? ((l: string) => process.stderr.write(l + '\n'));
  // DrasCLR's part is opt-in: at demo scale its readouts are not yet better than the trivial predictor and chance
  const datasets = options.datasets ?? DEFAULT_DEMO_DATASETS;
  const kinds = datasets.filter((k): k is 'xray' | 'ct' => k !== 'lungct');
  ensureDir(out);
  const dataDir = path.join(out, 'data');
  log(`demo: writing phantoms to ${dataDir}`);
  await writePhantoms({
    out: dataDir,
    seed,
    kinds: datasets,
    sizes: tiny ? 'small' : 'default',
    lungct: demoLungCtPhantoms(tiny),
  });

  const experiments: Record<string, ExperimentResult> = {};
  const all: (CellRecord & { group: string })[] = [];
  for (const kind of kinds) {
    log(`demo: experiment on the ${kind} phantoms`);
    const r = await runExperiment(experimentFor(kind, dataDir, out, seed, tiny), { log, progress: options.progress });
    experiments[kind] = r;
    for (const rec of r.records) all.push({ ...rec, group: kind });
  }
  const drasclr = datasets.includes('lungct')
    ? (log('demo: DrasCLR on the lung CT phantoms'),
      await runDrasclrDemo(dataDir, path.join(out, 'lungct'), seed, tiny, log, options.progress))
    : null;
  const resultsFile = path.join(out, 'results.jsonl');
  writeFileSync(resultsFile, all.map((r) => JSON.stringify(r)).join('\n') + '\n');

  const plots: ReportImage[] = [];
  const overlays: ReportImage[] = [];
  const tsne: ReportImage[] = [];
  const notes: string[] = [];
  const summaries: string[] = [];
  for (const kind of kinds) {
    const r = experiments[kind]!;
    const svg = linePlotSvg(seriesFromTable(r.table), { title: `${kind} phantoms: test Dice vs M` });
    plots.push({
      caption: `${kind}: test Dice vs M labelled patients (mean ± std over 3 folds)`,
      png: await svgToPng(svg),
    });
    summaries.push(`${kind === 'xray' ? 'Chest X-ray' : 'CT'} phantoms: ${r.summary}`);
    if (kind === 'ct') summaries.push(CT_SCALE_NOTE);
    notes.push(
      `${kind}: full per-experiment report in ${path.relative(out, r.report)}; table:\n${tableToMarkdown(r.table)}`,
    );
    const dir = path.join(out, kind);
    overlays.push(...overlayImages(dir, kind));
    tsne.push(...tsneImages(dir, kind, experimentFor(kind, dataDir, out, seed, tiny).methods ?? []));
  }
  const table = summarize(all, { metric: 'dice', groupLabel: 'data' });
  if (drasclr) summaries.push(drasclr.summary);
  const summary = summaries.join(' ');
  const report = path.join(out, 'report.html');
  await writeHtmlReport(report, {
    title: 'medcl demo: does contrastive pre-training help with few labels?',
    summary,
    table,
    tableCaption: 'Test Dice, mean (sample std) over 3 folds; M = labelled training patients.',
    plots,
    overlays,
    tsne,
    notes: [
      'Data: seeded phantoms (src/phantoms): 20 chest X-ray patients with 2–10 images over time (left/right lung masks), ' +
        '10 CT subjects with organs at characteristic heights. They stand in for real data, which no package offers; ' +
        'conclusions about real scans need real scans.',
      'Sizes are cut down from the papers (64×64 images, U-Net 16–128, tens of epochs) to run in minutes on a CPU.',
      ...notes,
      ...(drasclr
        ? [
            `lungct (DrasCLR): full evaluation in ${path.relative(out, path.join(drasclr.evaluation.out, 'evaluation.md'))}:\n` +
              drasclr.evaluation.markdown,
          ]
        : []),
    ],
    config: {
      ...Object.fromEntries(kinds.map((k) => [k, JSON.parse(readFileSync(path.join(out, k, 'config.json'), 'utf8'))])),
      ...(drasclr ? { lungct: drasclr.config } : {}),
    },
    machine: machineInfo(),
    durationSeconds: (Date.now() - started) / 1000,
  });
  log(`demo: report written to ${report}`);
  return { report, results: resultsFile, experiments, summary };
}

function overlayImages(dir: string, kind: string): ReportImage[] {
  return readPngs(
    path.join(dir, 'overlays'),
    (f) => `${kind}: ${f.replace(/\.png$/, '').replace(/-sample/, ', sample ')}`,
  );
}

function tsneImages(dir: string, kind: string, methods: readonly string[]): ReportImage[] {
  return methods.flatMap((m) => {
    try {
      return [
        { caption: `${kind}: t-SNE of ${m} encoder features`, png: readFileSync(path.join(dir, `tsne-${m}.png`)) },
      ];
    } catch {
      return [];
    }
  });
}

function readPngs(dir: string, caption: (file: string) => string): ReportImage[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.png'))
      .sort()
      .map((f) => {
        const command = readViewerCommand(path.join(dir, f));
        return { caption: caption(f), png: readFileSync(path.join(dir, f)), ...(command ? { command } : {}) };
      });
  } catch {
    return [];
  }
}
