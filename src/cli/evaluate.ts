/**
 * `medcl evaluate --pred DIR --ref DIR [--classes N] [--hd95 medpy|monai] [--absent exclude|perfect] [--out cases.csv]
 * [--json]`: Dice and HD95 per class per case of predicted label maps against references, files paired by name
 * (src/eval/evaluate-folders.ts); prints a summary per class and writes a per-case CSV.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { schemaOptions } from './options.js';
import { textTable } from './text-table.js';
import { casesCsv, evaluateFolders, type FolderEvaluation } from '../eval/evaluate-folders.js';
import type { ValueSummary } from '../eval/metrics/stats.js';
import { ensureDir } from '../engine/checkpoint/ensure-dir.js';

export const evaluateOptionsSchema = z.strictObject({
  pred: z.string().min(1),
  ref: z.string().min(1),
  classes: z.number().int().min(2).max(65536).optional(),
  hd95: z.enum(['medpy', 'monai']).default('medpy'),
  absent: z.enum(['exclude', 'perfect']).default('exclude'),
  out: z
    .string()
    .regex(/\.csv$/i, 'expected a .csv file')
    .optional(),
  json: z.boolean().default(false),
});

function fmt(s: ValueSummary, digits: number): string {
  if (s.mean === null) return '-';
  return `${s.mean.toFixed(digits)} ± ${(s.std ?? 0).toFixed(digits)}`;
}

export function formatEvaluation(e: FolderEvaluation): string {
  const rows = e.perClass.map((c) => [
    String(c.classId),
    fmt(c.dice, 4),
    fmt(c.hd95, 2),
    String(c.dice.count),
    String(c.excluded),
  ]);
  rows.push(['mean', fmt(e.meanDice, 4), fmt(e.meanHd95, 2), String(e.meanDice.count), '-']);
  const lines = [
    `${e.cases.length} cases; HD95 rule ${e.hd95Rule}; classes absent from both maps: ${e.absentClasses}`,
    textTable(['class', 'Dice (mean ± std)', 'HD95 mm (mean ± std)', 'cases', 'excluded'], rows).trimEnd(),
    '"mean": over each case\'s mean across its counted classes',
  ];
  if (e.unmatchedRefs.length > 0)
    lines.push(`${e.unmatchedRefs.length} reference files have no prediction (not evaluated)`);
  return lines.join('\n') + '\n';
}

export function register(program: Command): void {
  const command = program
    .command('evaluate')
    .description('Dice and HD95 per class per case of predicted label maps against references (paired by name)');
  const parse = schemaOptions(
    command,
    evaluateOptionsSchema,
    {
      pred: { description: 'folder of predicted label maps (.nii/.nii.gz/.mha/.nrrd)', value: '<dir>', required: true },
      ref: {
        description: 'folder of reference label maps, same names (extension may differ)',
        value: '<dir>',
        required: true,
      },
      classes: {
        description: 'number of classes incl. background: classes 1..n-1',
        default: 'every label found',
      },
      hd95: { description: 'medpy: P95 of both directions pooled | monai: max of the directed P95s', value: '<rule>' },
      absent: {
        description: 'a class in neither map of a case: exclude (from means) | perfect (Dice 1)',
        value: '<policy>',
      },
      out: { description: 'per-case CSV to write (case, files, dice_<c>, hd95_<c>, means)', value: '<file>' },
      json: 'print the whole evaluation as JSON instead of the summary',
    },
    'evaluate',
  );
  command.action(async (raw: Record<string, unknown>) => {
    const o = parse(raw);
    const e = await evaluateFolders({
      pred: o.pred,
      ref: o.ref,
      hd95: o.hd95,
      absentClasses: o.absent,
      ...(o.classes !== undefined ? { numClasses: o.classes } : {}),
    });
    if (o.out) {
      ensureDir(path.dirname(path.resolve(o.out)));
      writeFileSync(o.out, casesCsv(e));
    }
    process.stdout.write(o.json ? JSON.stringify(e, null, 2) + '\n' : formatEvaluation(e));
    if (o.out && !o.json) process.stdout.write(`per-case CSV: ${o.out}\n`);
  });
}
