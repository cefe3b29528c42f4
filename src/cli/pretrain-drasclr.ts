/**
 * `medcl pretrain-drasclr --data lungct/manifest.json --out DIR [--epochs N] [--queue K] ...`: DrasCLR
 * pre-training on 3D lung CT (preparation: resampling, lung masks, atlas registration with elastix, landmark
 * patches; then the training loop). Resumes when DIR holds a checkpoint of the same run. The options are fields of
 * the DrasCLR configuration (src/methods/drasclr-config.ts), validated whole before any work starts.
 */
import { Command } from 'commander';
import { pretrainDrasclr } from '../train/pretrain-drasclr.js';
import { drasclrConfigSchema } from '../methods/drasclr-config.js';
import { schemaOptions, type OptionSpec } from './options.js';
import { DEVICE_OPTION } from './device-option.js';

/** options whose value is the config field of that name (`--queue` sets queueSize) */
const OPTIONS: Record<string, string | OptionSpec> = {
  data: {
    description: 'manifest of 3D CT scans (label maps optional: lung masks by thresholding)',
    value: '<manifest>',
    required: true,
  },
  out: {
    description: 'output folder (resumes when it holds a checkpoint of the same run)',
    value: '<dir>',
    required: true,
  },
  epochs: "epochs (the paper's)",
  queueSize: {
    description: "keys per landmark queue K, a multiple of the batch size (the paper's)",
    value: '<k>',
    flag: 'queue',
  },
  batchSize: "scans per batch (the paper's; at most the number of usable scans)",
  lr: "SGD learning rate (the paper's)",
  atlas: {
    description: 'atlas scan: manifest item index, image name or patient id',
    value: '<item>',
    default: 'the first usable',
  },
  spacing: { description: "isotropic resampling in mm (the paper's)", value: '<mm>' },
  patchSize: { description: "patch side in voxels (the paper's)", value: '<d>' },
  step: "landmark grid step in voxels (the paper's)",
  neighbours: "neighbouring landmarks of the neighbouring loss (the paper's; 0 = local loss only)",
  lungLabels: { description: 'label values that are lung', default: 'every non-zero label' },
  minDice: { description: 'skip scans whose registered lung Dice is below this', value: '<x>' },
  items: { description: 'only these manifest items (comma-separated indices)', default: 'all' },
  seed: 'random seed',
  cacheDir: { description: 'cache of lung masks, registrations and patches', value: '<dir>', default: 'OUT/cache' },
  checkpointEvery: 'write a checkpoint every N epochs (and at the end)',
  device: DEVICE_OPTION,
};

export function register(program: Command): void {
  const command = program
    .command('pretrain-drasclr')
    .description('DrasCLR pre-training on 3D lung CT: atlas landmarks, Loc-CondConv encoder, per-landmark MoCo queues');
  const parse = schemaOptions(command, drasclrConfigSchema, OPTIONS, 'pretrain-drasclr');
  command
    .option('--quiet', 'no progress output', false)
    .option('--restart', 'start afresh: move the folder’s previous run (but cache/) to previous/<time>/')
    .action(async (raw: Record<string, unknown>) => {
      const r = await pretrainDrasclr(parse(raw), {
        ...(raw['quiet'] ? { progress: 'quiet' } : {}),
        restart: raw['restart'] === true,
      });
      process.stdout.write(
        `${r.report.used} scans used, ${r.report.skipped} skipped; ${r.steps} steps; encoder -> ${r.encoder}\n`,
      );
    });
}
