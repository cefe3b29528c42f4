/**
 * `medcl pretrain --method pcl --data manifest.json --out runs/x [--config file.json] [--epochs N] ...`:
 * contrastive pre-training; the resolved config is written next to the outputs, and re-running the same command
 * resumes from the last checkpoint.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { pretrain } from '../train/pretrain.js';
import { pretrainSchema } from '../methods/config.js';
import { SLICE_METHODS as METHODS } from '../methods/registry.js';
import { pretrainDrasclr } from '../train/pretrain-drasclr.js';
import { addSchemaOptions, pickOptions, type OptionSpec } from './options.js';
import { DEVICE_OPTION } from './device-option.js';
import { distributedAction } from './distributed.js';

/** --help's default of the fields some method's paper sets: the method's (`medcl config --method NAME` shows it) */
function withMethodDefaults(specs: Record<string, string | OptionSpec>): Record<string, OptionSpec> {
  return Object.fromEntries(
    Object.entries(specs).map(([k, given]) => {
      const spec = typeof given === 'string' ? { description: given } : given;
      const byMethod = METHODS.some((m) => k in m.defaults) && spec.default === undefined;
      return [k, byMethod ? { ...spec, default: "the method's: medcl config --method NAME" } : spec];
    }),
  );
}

/** options whose value is the config field of the same (camel-case) name; the config is validated by pretrain() */
const OPTIONS = withMethodDefaults({
  method: { description: 'pre-training method', value: '<name>', required: true },
  data: { description: 'dataset manifest (JSON or CSV)', value: '<manifest>', required: true },
  out: {
    description: 'output folder (checkpoint, encoder.safetensors, log.jsonl, config.json)',
    value: '<dir>',
    required: true,
  },
  preset: { description: 'preprocessing preset: xray | ct-pcl | ct-polycl', value: '<name>' },
  size: 'image side after preprocessing',
  epochs: 'epochs',
  batchSize: 'batch size',
  lr: 'learning rate',
  seed: 'random seed',
  precision: {
    description: 'fp32 | bf16-mixed | auto (bf16-mixed on CPUs with AMX/AVX512-BF16, fp32 elsewhere)',
    value: '<p>',
    default: 'fp32, or MEDCL_PRECISION',
  },
  device: DEVICE_OPTION,
});
const FIELDS = Object.keys(OPTIONS);

export function readJsonFile(file: string, what: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${what} ${file}: cannot read: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${what} ${file}: not valid JSON: ${(e as Error).message}`);
  }
}

export function register(program: Command): void {
  const command = program
    .command('pretrain')
    .description(
      `contrastive pre-training of an encoder (methods: ${[...METHODS.map((m) => m.name), 'drasclr'].join(', ')}; drasclr takes a 3D lung CT manifest, more options in pretrain-drasclr)`,
    )
    .option('--config <file>', 'JSON file with any pre-training setting (command-line options win)')
    .option('--restart', 'start afresh: move the folder’s previous run to previous/<time>/ (docs/reliability.md)');
  addSchemaOptions(command, pretrainSchema, OPTIONS);
  distributedAction(command, 'pretrain', async (o, join) => {
    const fromFile = o['config'] ? readJsonFile(String(o['config']), 'config') : {};
    const cli = pickOptions(o, FIELDS);
    const parallel = join();
    const isMain = !parallel || parallel.rank === 0;
    if (cli['method'] === 'drasclr') {
      // DrasCLR is 3D with its own pipeline (src/drasclr): the same loop as `medcl pretrain-drasclr`
      for (const k of ['preset', 'size'])
        if (cli[k] !== undefined)
          throw new Error(
            `pretrain --method drasclr: --${k} does not apply (use --spacing/--patch-size of pretrain-drasclr)`,
          );
      const { method: _method, ...rest } = { ...fromFile, ...cli };
      const d = await pretrainDrasclr(rest as never, { restart: o['restart'] === true, parallel });
      if (isMain)
        process.stdout.write(
          `${d.report.used} scans used, ${d.report.skipped} skipped; ${d.steps} steps; encoder -> ${d.encoder}\n`,
        );
      return;
    }
    const r = await pretrain({ ...fromFile, ...cli } as never, { restart: o['restart'] === true, parallel });
    if (!isMain) return;
    process.stdout.write(
      `${r.resumedFrom !== null ? `resumed from epoch ${r.resumedFrom}; ` : ''}${r.epochsDone} epochs, ${r.steps} steps; ` +
        `final loss ${r.losses.at(-1)?.toFixed(4) ?? '-'}\nencoder: ${r.encoder}\ncheckpoint: ${r.checkpoint}\n`,
    );
  });
}
