/** What a DrasCLR evaluation (evaluate-drasclr.ts) writes: evaluation.md and evaluation.json. */
import path from 'node:path';
import { formatOutcomeReport, type OutcomeReport } from '../eval/outcomes/index.js';
import type { PatchCVResult } from '../eval/patch-cv.js';
import { formatMeanStd } from '../eval/metrics/stats.js';
import type { DrasclrEvaluation, PatchSchemes } from './evaluate-drasclr-config.js';
import type { Evaluation } from './evaluate-drasclr-tasks.js';

const f3 = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : v.toFixed(3));

function patchRows(name: string, s: PatchSchemes): string[] {
  const row = (scheme: string, { summary: m }: PatchCVResult): string =>
    `| ${name} | ${scheme} | ${formatMeanStd(m.f1)} | ${formatMeanStd(m.precision)} | ${formatMeanStd(m.recall)} |`;
  return [row('linear readout', s.linear), row('full fine-tuning', s.finetune)];
}

/** evaluation.md: the outcome tables, the patch classification table and the dense predictions */
export function evaluationMarkdown(e: Evaluation, r: Omit<DrasclrEvaluation, 'markdown' | 'out'>): string {
  const { outcomes, patches, patchLabels: counts, dense } = r;
  const md: string[] = [
    `# DrasCLR evaluation of ${e.run.dir}`,
    '',
    `${e.dataset.length} scans, ${e.dataset.landmarkCount} landmarks; ${e.cfg.folds}-fold cross-validation grouped by patient, seed ${e.cfg.seed}.`,
    '',
    '## Image-level outcomes (mean patch representation, linear readouts)',
    '',
    '### Pre-trained encoder',
    '',
    formatOutcomeReport(outcomes.pretrained),
  ];
  if (outcomes.random) md.push('### Random-init encoder (floor)', '', formatOutcomeReport(outcomes.random));
  if (patches && counts)
    md.push(
      '## Patch classification (lesion vs healthy patches)',
      '',
      `${counts.positive} lesion and ${counts.negative} healthy patches (${counts.ambiguous} ambiguous left out).`,
      '',
      '| encoder | scheme | F1 | precision | recall |',
      '| --- | --- | --- | --- | --- |',
      ...patchRows('pre-trained', patches.pretrained),
      ...(patches.random ? patchRows('random init', patches.random) : []),
      '',
    );
  if (dense.length > 0)
    md.push(
      '## Dense prediction (fold 0 model, fold 0 test scans)',
      '',
      '| scan | predicted lesion fraction of lung | Dice vs lesion labels | mask |',
      '| --- | --- | --- | --- |',
      ...dense.map((d) => `| ${d.id} | ${f3(d.lesionFraction)} | ${f3(d.dice)} | ${path.relative(e.out, d.mask)} |`),
      '',
    );
  return md.join('\n');
}

/** evaluation.json: the same numbers, without per-sample arrays */
export function evaluationJson(e: Evaluation, r: Omit<DrasclrEvaluation, 'markdown' | 'out'>): string {
  const strip = (s: PatchSchemes | null): unknown =>
    s && {
      linear: { summary: s.linear.summary, pooled: s.linear.pooled, folds: s.linear.folds },
      finetune: { summary: s.finetune.summary, pooled: s.finetune.pooled, settings: s.finetune.settings },
    };
  const outcomeJson = (o: OutcomeReport | null): unknown =>
    o && o.outcomes.map((x) => ({ label: x.label, kind: x.kind, metrics: x.metrics, notes: x.notes }));
  const json = {
    run: e.run.dir,
    scans: e.dataset.length,
    landmarks: e.dataset.landmarkCount,
    folds: e.cfg.folds,
    seed: e.cfg.seed,
    outcomes: { pretrained: outcomeJson(r.outcomes.pretrained), random: outcomeJson(r.outcomes.random) },
    patchLabels: r.patchLabels,
    patches: r.patches && { pretrained: strip(r.patches.pretrained), random: strip(r.patches.random) },
    dense: r.dense,
  };
  return JSON.stringify(json, null, 2) + '\n';
}
