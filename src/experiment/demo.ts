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
import { demoExperiment } from './demo-experiments.js';
import { summarize, tableToMarkdown } from '../report/table.js';
import { linePlotSvg, seriesFromTable, svgToPng } from '../report/plot.js';
import { writeHtmlReport, machineInfo, type ReportImage } from '../report/html.js';
import { demoLungCtPhantoms, runDrasclrDemo, type DrasclrDemoResult } from './demo-drasclr.js';
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

/** What the demo runs: its folder, seed and scale, the parts asked for and the 2D experiments among them. */
interface DemoRun {
  out: string;
  dataDir: string;
  seed: number;
  tiny: boolean;
  datasets: ('xray' | 'ct' | 'lungct')[];
  kinds: ('xray' | 'ct')[];
  log: (line: string) => void;
}

/** the 2D experiments, one after the other; every cell's record tagged with its data set */
async function runExperiments(d: DemoRun, progress: DemoOptions['progress']) {
  const experiments: Record<string, ExperimentResult> = {};
  const all: (CellRecord & { group: string })[] = [];
  for (const kind of d.kinds) {
    d.log(`demo: experiment on the ${kind} phantoms`);
    const r = await runExperiment(demoExperiment(kind, d.dataDir, d.out, d.seed, d.tiny), { log: d.log, progress });
    experiments[kind] = r;
    for (const rec of r.records) all.push({ ...rec, group: kind });
  }
  return { experiments, all };
}

/** The report's figures and words from the 2D experiments. */
interface Figures {
  plots: ReportImage[];
  overlays: ReportImage[];
  tsne: ReportImage[];
  notes: string[];
  summaries: string[];
}

/** each experiment's Dice-vs-M plot, overlays, t-SNE figures, summary and table */
async function figuresOf(d: DemoRun, experiments: Record<string, ExperimentResult>): Promise<Figures> {
  const f: Figures = { plots: [], overlays: [], tsne: [], notes: [], summaries: [] };
  for (const kind of d.kinds) {
    const r = experiments[kind]!;
    const svg = linePlotSvg(seriesFromTable(r.table), { title: `${kind} phantoms: test Dice vs M` });
    f.plots.push({
      caption: `${kind}: test Dice vs M labelled patients (mean ± std over 3 folds)`,
      png: await svgToPng(svg),
    });
    f.summaries.push(`${kind === 'xray' ? 'Chest X-ray' : 'CT'} phantoms: ${r.summary}`);
    if (kind === 'ct') f.summaries.push(CT_SCALE_NOTE);
    f.notes.push(
      `${kind}: full per-experiment report in ${path.relative(d.out, r.report)}; table:\n${tableToMarkdown(r.table)}`,
    );
    const dir = path.join(d.out, kind);
    f.overlays.push(...overlayImages(dir, kind));
    f.tsne.push(...tsneImages(dir, kind, demoExperiment(kind, d.dataDir, d.out, d.seed, d.tiny).methods ?? []));
  }
  return f;
}

/** report.html: the summary, the table of every cell, the figures, the notes and every experiment's config */
async function writeDemoReport(
  d: DemoRun,
  report: string,
  r: { all: CellRecord[]; figures: Figures; drasclr: DrasclrDemoResult | null; summary: string; started: number },
): Promise<void> {
  const { figures, drasclr } = r;
  await writeHtmlReport(report, {
    title: 'medcl demo: does contrastive pre-training help with few labels?',
    summary: r.summary,
    table: summarize(r.all, { metric: 'dice', groupLabel: 'data' }),
    tableCaption: 'Test Dice, mean (sample std) over 3 folds; M = labelled training patients.',
    plots: figures.plots,
    overlays: figures.overlays,
    tsne: figures.tsne,
    notes: [
      'Data: seeded phantoms (src/phantoms): 20 chest X-ray patients with 2–10 images over time (left/right lung masks), ' +
        '10 CT subjects with organs at characteristic heights. They stand in for real data, which no package offers; ' +
        'conclusions about real scans need real scans.',
      'Sizes are cut down from the papers (64×64 images, U-Net 16–128, tens of epochs) to run in minutes on a CPU.',
      ...figures.notes,
      ...(drasclr
        ? [
            `lungct (DrasCLR): full evaluation in ${path.relative(d.out, path.join(drasclr.evaluation.out, 'evaluation.md'))}:\n` +
              drasclr.evaluation.markdown,
          ]
        : []),
    ],
    config: {
      ...Object.fromEntries(
        d.kinds.map((k) => [k, JSON.parse(readFileSync(path.join(d.out, k, 'config.json'), 'utf8'))]),
      ),
      ...(drasclr ? { lungct: drasclr.config } : {}),
    },
    machine: machineInfo(),
    durationSeconds: (Date.now() - r.started) / 1000,
  });
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const out = path.resolve(options.out);
  // DrasCLR's part is opt-in: at demo scale its readouts are not yet better than the trivial predictor and chance
  const datasets = options.datasets ?? DEFAULT_DEMO_DATASETS;
  const d: DemoRun = {
    out,
    dataDir: path.join(out, 'data'),
    seed: options.seed ?? 0,
    tiny: options.scale === 'tiny',
    datasets,
    kinds: datasets.filter((k): k is 'xray' | 'ct' => k !== 'lungct'),
    log: options.log ?? ((l: string) => process.stderr.write(l + '\n')),
  };
  ensureDir(out);
  d.log(`demo: writing phantoms to ${d.dataDir}`);
  const sizes = d.tiny ? 'small' : 'default';
  await writePhantoms({ out: d.dataDir, seed: d.seed, kinds: datasets, sizes, lungct: demoLungCtPhantoms(d.tiny) });
  const { experiments, all } = await runExperiments(d, options.progress);
  const drasclr = datasets.includes('lungct')
    ? (d.log('demo: DrasCLR on the lung CT phantoms'),
      await runDrasclrDemo(d.dataDir, path.join(out, 'lungct'), d.seed, d.tiny, d.log, options.progress))
    : null;
  const resultsFile = path.join(out, 'results.jsonl');
  writeFileSync(resultsFile, all.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const figures = await figuresOf(d, experiments);
  const summary = [...figures.summaries, ...(drasclr ? [drasclr.summary] : [])].join(' ');
  const report = path.join(out, 'report.html');
  await writeDemoReport(d, report, { all, figures, drasclr, summary, started });
  d.log(`demo: report written to ${report}`);
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
