/**
 * `medcl finetune --init encoder.safetensors --data manifest.json --out run/ [--config ft.json] [--epochs N] ...`:
 * fine-tunes a segmentation network from a pre-trained encoder (src/train/finetune-run.ts) and writes the run
 * folder: config.json, log.jsonl, checkpoint.safetensors (a rerun resumes), model/ (for `medcl predict`) and
 * results.json (Dice and HD95 per test case). Settings, lowest first: defaults, --recipe, those of the pre-training
 * run next to --init, the --config file, options. The whole config is validated before anything is read.
 */
import { Command } from 'commander';
import { readJsonFile } from './pretrain.js';
import { finiteNumber, nonNegativeInt } from './parse.js';
import { flagNames, parseOptions } from './options.js';
import { finetuneRunSchema, withRecipe, type FinetuneRunConfig } from '../train/finetune-run-config.js';
import { inheritFromInit } from '../train/finetune-init-defaults.js';
import { runFinetune } from '../train/finetune-run.js';

function list(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** options whose value is the config field of the same (camel-case) name */
const FIELDS = [
  'init',
  'data',
  'out',
  'recipe',
  'preset',
  'size',
  'spacing',
  'model',
  'epochs',
  'batchSize',
  'lr',
  'loss',
  'seed',
  'precision',
  'trainPatients',
  'valPatients',
  'testPatients',
] as const;

interface Resolved {
  config: FinetuneRunConfig;
  /** what was inherited from the pre-training run of init */
  inherited: string;
}

/** file < options, over the init run's settings; validated whole (messages name options and file fields) */
export function resolveFinetuneOptions(o: Record<string, unknown>): Resolved {
  const file = typeof o['config'] === 'string' ? o['config'] : undefined;
  const fromFile = file ? readJsonFile(file, 'config') : {};
  const cli: Record<string, unknown> = {};
  for (const k of FIELDS) if (o[k] !== undefined) cli[k] = o[k];
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
  program
    .command('finetune')
    .description('fine-tune a segmentation network from a pre-trained encoder; writes model/ and results.json')
    .option('--init <file>', 'pre-trained encoder weights (encoder.safetensors of `medcl pretrain`); omit: random init')
    .option('--data <manifest>', 'dataset manifest with label maps (JSON or CSV)')
    .option('--out <dir>', 'run folder: config.json, log.jsonl, checkpoint, model/, results.json')
    .option('--config <file>', 'JSON file with any run setting (`medcl config --schema finetune-run`)')
    .option('--recipe <name>', "a paper's fine-tuning recipe: cltci | pcl | polycl")
    .option('--preset <name>', 'preprocessing: xray | ct-pcl | ct-polycl (default: the pre-training run’s)')
    .option('--size <n>', 'image side after preprocessing', nonNegativeInt)
    .option('--spacing <mm>', 'ct-pcl: in-plane spacing before padding to --size', finiteNumber)
    .option('--model <name>', 'unet | deeplabv3plus | polycl-unet (default: follows the pre-trained encoder)')
    .option('--epochs <n>', 'epochs', nonNegativeInt)
    .option('--batch-size <n>', 'batch size', nonNegativeInt)
    .option('--lr <x>', 'learning rate (Adam)', finiteNumber)
    .option('--loss <name>', 'ce | dice | dice-ce')
    .option('--seed <n>', 'random seed', nonNegativeInt)
    .option('--precision <p>', 'fp32 (default) | bf16-mixed | auto')
    .option('--train-patients <ids>', 'comma-separated patient ids to train on (default: every labelled patient)', list)
    .option('--val-patients <ids>', "comma-separated validation patients (selection 'best-validation')", list)
    .option('--test-patients <ids>', 'comma-separated patient ids to test on (default: none)', list)
    .option('--quiet', 'no progress display', false)
    .option('--restart', 'start afresh: move the folder’s previous run to previous/<time>/ (docs/reliability.md)')
    .action(async (o: Record<string, unknown>) => {
      const { config, inherited } = resolveFinetuneOptions(o);
      const say = (line: string) => process.stderr.write(`finetune: ${line}\n`);
      say(inherited);
      const progress = o['quiet'] ? 'quiet' : process.stderr.isTTY ? 'bar' : 'lines';
      const r = await runFinetune(config, { progress, log: say, restart: o['restart'] === true });
      process.stdout.write(summary(r));
    });
}
