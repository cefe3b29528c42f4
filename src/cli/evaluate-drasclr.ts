/**
 * `medcl evaluate-drasclr --run DIR --out DIR [--data manifest] [--folds 5] [--dense-scans 2] ...`: the DrasCLR
 * downstream tasks on a finished pre-training run (src/experiment/evaluate-drasclr.ts): outcome readouts, patch
 * classification by linear readout and full fine-tuning, sliding-window dense prediction to NIfTI; each beside a
 * random-init floor. The options are fields of its settings schema (evaluateDrasclrSchema), validated whole first.
 */
import { Command } from 'commander';
import { evaluateDrasclrRun, evaluateDrasclrSchema } from '../experiment/evaluate-drasclr.js';
import { schemaOptions, type OptionSpec } from './options.js';

/** options whose value is the settings field of that name (`--epochs` sets finetune.epochs) */
const OPTIONS: Record<string, string | OptionSpec> = {
  run: {
    description: 'a finished DrasCLR pre-training run (pretrain --method drasclr)',
    value: '<dir>',
    required: true,
  },
  out: {
    description: 'output folder (evaluation.md, evaluation.json, dense/*.nii.gz)',
    value: '<dir>',
    required: true,
  },
  data: { description: 'manifest to evaluate on', value: '<manifest>', default: "the run's" },
  folds: { description: "cross-validation folds, grouped by patient (the paper's)", value: '<k>' },
  seed: 'seed of the folds and the random-init encoder',
  lesionLabels: 'label values that are lesion (the phantoms: 3)',
  minLesionFraction: { description: 'a patch is a lesion patch with at least this lesion fraction', default: '0.01' },
  'finetune.epochs': { description: 'full fine-tuning epochs', flag: 'epochs', default: '20' },
  'finetune.lr': { description: 'full fine-tuning Adam learning rate', flag: 'lr', default: '1e-4' },
  'finetune.labelFraction': {
    description: 'fraction of labelled training patches used for fine-tuning (paper Fig. 5)',
    flag: 'label-fraction',
    default: '1',
  },
  denseScans: 'scans to dense-predict (fold 0 test scans; 0 = none)',
  denseStep: "window grid step in voxels (the paper's: 1)",
  patches: { description: 'outcome readouts only (data without lesion labels)', negate: true },
  randomBaseline: { description: 'no random-init baseline', negate: true, flag: 'random' },
};

export function register(program: Command): void {
  const command = program
    .command('evaluate-drasclr')
    .description(
      'DrasCLR downstream tasks: outcome readouts (R², accuracy, C-index), patch classification (linear readout, ' +
        'full fine-tuning), dense prediction to NIfTI; each beside a random-init encoder',
    );
  const parse = schemaOptions(command, evaluateDrasclrSchema, OPTIONS, 'evaluate-drasclr');
  command.action(async (raw: Record<string, unknown>) => {
    const o = parse(raw);
    const r = await evaluateDrasclrRun(o);
    process.stdout.write(r.markdown + '\n');
  });
}
