/**
 * `medcl pretrain-drasclr --data lungct/manifest.json --out DIR [--epochs N] [--queue K] ...`: DrasCLR
 * pre-training on 3D lung CT (preparation: resampling, lung masks, atlas registration with elastix, landmark
 * patches; then the training loop). Resumes when DIR holds a checkpoint of the same run.
 */
import { Command } from 'commander';
import { finiteNumber as num, intList, nonNegativeInt as int } from './parse.js';
import { pretrainDrasclr } from '../train/pretrain-drasclr.js';
import type { DrasclrInput } from '../methods/drasclr-config.js';

interface Opts {
  data: string;
  out: string;
  epochs?: number;
  queue?: number;
  batchSize?: number;
  lr?: number;
  atlas?: string;
  spacing?: number;
  patchSize?: number;
  step?: number;
  neighbours?: number;
  lungLabels?: number[];
  minDice?: number;
  items?: number[];
  seed?: number;
  cacheDir?: string;
  checkpointEvery?: number;
  quiet?: boolean;
  restart?: boolean;
}

export function register(program: Command): void {
  program
    .command('pretrain-drasclr')
    .description('DrasCLR pre-training on 3D lung CT: atlas landmarks, Loc-CondConv encoder, per-landmark MoCo queues')
    .requiredOption('--data <manifest>', 'manifest of 3D CT scans (label maps optional: lung masks by thresholding)')
    .requiredOption('--out <dir>', 'output folder (resumes when it holds a checkpoint of the same run)')
    .option('--epochs <n>', 'epochs (paper: 20)', int)
    .option('--queue <k>', 'keys per landmark queue K, a multiple of the batch size (paper: 4096)', int)
    .option('--batch-size <n>', 'scans per batch (paper: 128; at most the number of usable scans)', int)
    .option('--lr <x>', 'SGD learning rate (paper: 0.01)', num)
    .option('--atlas <item>', 'atlas scan: manifest item index, image name or patient id (default: the first usable)')
    .option('--spacing <mm>', 'isotropic resampling in mm (paper: 1)', num)
    .option('--patch-size <d>', 'patch side in voxels (paper: 32)', int)
    .option('--step <n>', 'landmark grid step in voxels (paper: 26)', int)
    .option('--neighbours <n>', 'neighbouring landmarks of the neighbouring loss (paper: 2; 0 = local loss only)', int)
    .option('--lung-labels <list>', 'label values that are lung (default: every non-zero label)', intList)
    .option('--min-dice <x>', 'skip scans whose registered lung Dice is below this (default 0.75)', num)
    .option('--items <list>', 'only these manifest items (comma-separated indices)', intList)
    .option('--seed <n>', 'random seed', int)
    .option('--cache-dir <dir>', 'cache of lung masks, registrations and patches (default: OUT/cache)')
    .option('--checkpoint-every <n>', 'write a checkpoint every N epochs (and at the end)', int)
    .option('--quiet', 'no progress output', false)
    .option('--restart', 'start afresh: move the folder’s previous run (but cache/) to previous/<time>/')
    .action(async (o: Opts) => {
      const input: DrasclrInput = { data: o.data, out: o.out };
      if (o.epochs !== undefined) input.epochs = o.epochs;
      if (o.queue !== undefined) input.queueSize = o.queue;
      if (o.batchSize !== undefined) input.batchSize = o.batchSize;
      if (o.lr !== undefined) input.lr = o.lr;
      if (o.atlas !== undefined) input.atlas = o.atlas;
      if (o.spacing !== undefined) input.spacing = o.spacing;
      if (o.patchSize !== undefined) input.patchSize = o.patchSize;
      if (o.step !== undefined) input.step = o.step;
      if (o.neighbours !== undefined) input.neighbours = o.neighbours;
      if (o.lungLabels !== undefined) input.lungLabels = o.lungLabels;
      if (o.minDice !== undefined) input.minDice = o.minDice;
      if (o.items !== undefined) input.items = o.items;
      if (o.seed !== undefined) input.seed = o.seed;
      if (o.cacheDir !== undefined) input.cacheDir = o.cacheDir;
      if (o.checkpointEvery !== undefined) input.checkpointEvery = o.checkpointEvery;
      const r = await pretrainDrasclr(input, {
        ...(o.quiet ? { progress: 'quiet' } : {}),
        restart: o.restart === true,
      });
      process.stdout.write(
        `${r.report.used} scans used, ${r.report.skipped} skipped; ${r.steps} steps; encoder -> ${r.encoder}\n`,
      );
    });
}
