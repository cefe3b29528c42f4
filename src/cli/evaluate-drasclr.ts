/**
 * `medcl evaluate-drasclr --run DIR --out DIR [--data manifest] [--folds 5] [--dense-scans 2] ...`: the DrasCLR
 * downstream tasks on a finished pre-training run (src/experiment/evaluate-drasclr.ts): outcome readouts, patch classification
 * by linear readout and full fine-tuning, sliding-window dense prediction to NIfTI; each beside a random-init floor.
 */
import { Command } from 'commander';
import { finiteNumber as num, nonNegativeInt as int, nonNegativeIntList } from './parse.js';
import { evaluateDrasclrRun, type EvaluateDrasclrOptions } from '../experiment/evaluate-drasclr.js';

interface Opts {
  run: string;
  out: string;
  data?: string;
  folds?: number;
  seed?: number;
  lesionLabels?: number[];
  minLesionFraction?: number;
  epochs?: number;
  lr?: number;
  labelFraction?: number;
  denseScans?: number;
  denseStep?: number;
  patches: boolean;
  random: boolean;
}

export function register(program: Command): void {
  program
    .command('evaluate-drasclr')
    .description(
      'DrasCLR downstream tasks: outcome readouts (R², accuracy, C-index), patch classification (linear readout, ' +
        'full fine-tuning), dense prediction to NIfTI; each beside a random-init encoder',
    )
    .requiredOption('--run <dir>', 'a finished DrasCLR pre-training run (pretrain --method drasclr)')
    .requiredOption('--out <dir>', 'output folder (evaluation.md, evaluation.json, dense/*.nii.gz)')
    .option('--data <manifest>', "manifest to evaluate on (default: the run's)")
    .option('--folds <k>', 'cross-validation folds, grouped by patient (paper: 5)', int)
    .option('--seed <n>', 'seed of the folds and the random-init encoder', int)
    .option('--lesion-labels <list>', 'label values that are lesion (default 3, the phantoms)', nonNegativeIntList)
    .option('--min-lesion-fraction <x>', 'a patch is a lesion patch with at least this lesion fraction (0.01)', num)
    .option('--epochs <n>', 'full fine-tuning epochs (20)', int)
    .option('--lr <x>', 'full fine-tuning Adam learning rate (1e-4)', num)
    .option('--label-fraction <x>', 'fraction of labelled training patches used for fine-tuning (paper Fig. 5)', num)
    .option('--dense-scans <n>', 'scans to dense-predict (fold 0 test scans; 0 = none)', int)
    .option('--dense-step <n>', 'window grid step in voxels (default 4; paper: 1)', int)
    .option('--no-patches', 'outcome readouts only (data without lesion labels)')
    .option('--no-random', 'no random-init baseline')
    .action(async (o: Opts) => {
      const opts: EvaluateDrasclrOptions = { run: o.run, out: o.out, patches: o.patches, randomBaseline: o.random };
      if (o.data !== undefined) opts.data = o.data;
      if (o.folds !== undefined) opts.folds = o.folds;
      if (o.seed !== undefined) opts.seed = o.seed;
      if (o.lesionLabels !== undefined) opts.lesionLabels = o.lesionLabels;
      if (o.minLesionFraction !== undefined) opts.minLesionFraction = o.minLesionFraction;
      if (o.denseScans !== undefined) opts.denseScans = o.denseScans;
      if (o.denseStep !== undefined) opts.denseStep = o.denseStep;
      const ft: NonNullable<EvaluateDrasclrOptions['finetune']> = {};
      if (o.epochs !== undefined) ft.epochs = o.epochs;
      if (o.lr !== undefined) ft.lr = o.lr;
      if (o.labelFraction !== undefined) ft.labelFraction = o.labelFraction;
      opts.finetune = ft;
      const r = await evaluateDrasclrRun(opts);
      process.stdout.write(r.markdown + '\n');
    });
}
