/**
 * `medcl finetune --init encoder.safetensors --data manifest.json --out run/ [--config ft.json] [--epochs N] ...`:
 * fine-tunes a segmentation network from a pre-trained encoder (src/train/finetune-run.ts) and writes the run
 * folder: config.json, log.jsonl, checkpoint.safetensors (a rerun resumes), model/ (for `medcl predict`) and
 * results.json (Dice and HD95 per test case). Settings, lowest first: defaults, --recipe, those of the pre-training
 * run next to --init, the --config file, options. The whole config is validated before anything is read.
 */
import { Command } from 'commander';
import { readJsonFile } from './pretrain.js';
import { addSchemaOptions, flagNames, parseOptions, pickOptions, type OptionSpec } from './options.js';
import { DEVICE_OPTION } from './device-option.js';
import { finetuneRunSchema, withRecipe, type FinetuneRunConfig } from '../train/finetune-run-config.js';
import { inheritFromInit } from '../train/finetune-init-defaults.js';
import { runFinetune } from '../train/finetune-run.js';
import { distributedAction } from './distributed.js';

const PRE = "the pre-training run's";

/** options whose value is the config field of the same (camel-case) name */
const OPTIONS: Record<string, string | OptionSpec> = {
  init: {
    description: 'pre-trained encoder weights (encoder.safetensors of `medcl pretrain`)',
    value: '<file>',
    default: 'random init',
  },
  data: { description: 'dataset manifest with label maps (JSON or CSV)', value: '<manifest>' },
  out: { description: 'run folder: config.json, log.jsonl, checkpoint, model/, results.json', value: '<dir>' },
  recipe: { description: "a paper's fine-tuning recipe: cltci | pcl | polycl", value: '<name>' },
  preset: { description: 'preprocessing: xray | ct-pcl | ct-polycl', value: '<name>', default: `${PRE}, else xray` },
  size: { description: 'image side after preprocessing', default: `${PRE}, else 256` },
  spacing: { description: 'ct-pcl: in-plane spacing before padding to --size', value: '<mm>' },
  model: {
    description: 'unet | deeplabv3plus | polycl-unet',
    value: '<name>',
    default: 'follows the pre-trained encoder',
  },
  epochs: 'epochs',
  batchSize: 'batch size',
  lr: 'learning rate (Adam)',
  loss: { description: 'ce | dice | dice-ce', value: '<name>' },
  seed: 'random seed',
  precision: { description: 'fp32 | bf16-mixed | auto', value: '<p>', default: 'fp32, or MEDCL_PRECISION' },
  device: DEVICE_OPTION,
  trainPatients: {
    description: 'comma-separated patient ids to train on',
    value: '<ids>',
    default: 'every labelled patient',
  },
  valPatients: { description: "comma-separated validation patients (selection 'best-validation')", value: '<ids>' },
  testPatients: { description: 'comma-separated patient ids to test on', value: '<ids>', default: 'none' },
};
const FIELDS = Object.keys(OPTIONS);

interface Resolved {
  config: FinetuneRunConfig;
  /** what was inherited from the pre-training run of init */
  inherited: string;
}

/** file < options, over the init run's settings; validated whole (messages name options and file fields) */
export function resolveFinetuneOptions(o: Record<string, unknown>): Resolved {
  const file = typeof o['config'] === 'string' ? o['config'] : undefined;
  const fromFile = file ? readJsonFile(file, 'config') : {};
  const cli = pickOptions(o, FIELDS);
  const init = cli['init'] ?? fromFile['init'];
  const inherited = inheritFromInit(typeof init === 'string' ? init : undefined);
  const merged = withRecipe({ ...inherited.settings, ...fromFile, ...cli });
  const names: Record<string, string> = flagNames(FIELDS);
  for (const k of Object.keys(fromFile)) if (!(k in cli)) names[k] = `${file}: ${k}`;
  const config = parseOptions(finetuneRunSchema, merged, 'finetune', names);
  return { config, inherited: inherited.note };
}

function summary(r: Awaited<ReturnType<typeof runFinetune>>): string {
  const res = r.result;
  const dice = res.meanDice === null ? '-' : res.meanDice.toFixed(4);
  const hd = res.meanHd95 === null ? '-' : `${res.meanHd95.toFixed(2)} ${res.hd95Unit ?? ''}`.trim();
  const tested = res.test.length > 0 ? `test: ${res.test.length} cases, mean Dice ${dice}, mean HD95 ${hd}\n` : '';
  return (
    `${res.totalSteps} steps (${res.stepsPerEpoch} per epoch), final loss ${res.losses.at(-1)?.toFixed(4) ?? '-'}\n` +
    tested +
    `model: ${r.model} (medcl predict --model ${r.model})\nresults: ${r.results}\n`
  );
}

export function register(program: Command): void {
  const command = program
    .command('finetune')
    .description('fine-tune a segmentation network from a pre-trained encoder; writes model/ and results.json')
    .option('--config <file>', 'JSON file with any run setting (`medcl config --schema finetune-run`)');
  addSchemaOptions(command, finetuneRunSchema, OPTIONS);
  command
    .option('--quiet', 'no progress display', false)
    .option('--restart', 'start afresh: move the folder’s previous run to previous/<time>/ (docs/reliability.md)');
  distributedAction(command, 'finetune', async (o, join) => {
    const { config, inherited } = resolveFinetuneOptions(o);
    const say = (line: string) => process.stderr.write(`finetune: ${line}\n`);
    const parallel = join();
    const isMain = !parallel || parallel.rank === 0;
    if (isMain) say(inherited);
    const progress = o['quiet'] ? 'quiet' : process.stderr.isTTY ? 'bar' : 'lines';
    const r = await runFinetune(config, { progress, log: say, restart: o['restart'] === true, parallel });
    if (isMain) process.stdout.write(summary(r));
  });
}
