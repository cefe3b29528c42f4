/**
 * `medcl pretrain --method pcl --data manifest.json --out runs/x [--config file.json] [--epochs N] ...`:
 * contrastive pre-training; the resolved config is written next to the outputs, and re-running the same command
 * resumes from the last checkpoint.
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { pretrain } from '../train/pretrain.js';
import { SLICE_METHODS as METHODS } from '../methods/registry.js';
import { pretrainDrasclr } from '../train/pretrain-drasclr.js';

function int(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`expected an integer, got "${v}"`);
  return n;
}
function num(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got "${v}"`);
  return n;
}

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
  program
    .command('pretrain')
    .description(
      `contrastive pre-training of an encoder (methods: ${[...METHODS.map((m) => m.name), 'drasclr'].join(', ')}; drasclr takes a 3D lung CT manifest, more options in pretrain-drasclr)`,
    )
    .requiredOption('--method <name>', 'pre-training method')
    .requiredOption('--data <manifest>', 'dataset manifest (JSON or CSV)')
    .requiredOption('--out <dir>', 'output folder (checkpoint, encoder.safetensors, log.jsonl, config.json)')
    .option('--config <file>', 'JSON file with any pre-training setting (command-line options win)')
    .option('--preset <name>', 'preprocessing preset: xray | ct-pcl | ct-polycl')
    .option('--size <n>', 'image side after preprocessing', int)
    .option('--epochs <n>', 'epochs', int)
    .option('--batch-size <n>', 'batch size', int)
    .option('--lr <x>', 'learning rate', num)
    .option('--seed <n>', 'random seed', int)
    .option('--restart', 'start afresh: move the folder’s previous run to previous/<time>/ (docs/reliability.md)')
    .option(
      '--precision <p>',
      'fp32 (default) | bf16-mixed | auto (bf16-mixed on CPUs with AMX/AVX512-BF16, fp32 elsewhere)',
    )
    .action(async (o: Record<string, string | number | boolean | undefined>) => {
      const fromFile = o['config'] ? readJsonFile(String(o['config']), 'config') : {};
      const cli: Record<string, unknown> = {
        method: o['method'],
        data: o['data'],
        out: o['out'],
        preset: o['preset'],
        size: o['size'],
        epochs: o['epochs'],
        batchSize: o['batchSize'],
        lr: o['lr'],
        seed: o['seed'],
        precision: o['precision'],
      };
      for (const k of Object.keys(cli)) if (cli[k] === undefined) delete cli[k];
      if (cli['method'] === 'drasclr') {
        // DrasCLR is 3D with its own pipeline (src/drasclr): the same loop as `medcl pretrain-drasclr`
        for (const k of ['preset', 'size'])
          if (cli[k] !== undefined)
            throw new Error(
              `pretrain --method drasclr: --${k} does not apply (use --spacing/--patch-size of pretrain-drasclr)`,
            );
        const { method: _method, ...rest } = { ...fromFile, ...cli };
        const d = await pretrainDrasclr(rest as never, { restart: o['restart'] === true });
        process.stdout.write(
          `${d.report.used} scans used, ${d.report.skipped} skipped; ${d.steps} steps; encoder -> ${d.encoder}\n`,
        );
        return;
      }
      const r = await pretrain({ ...fromFile, ...cli } as never, { restart: o['restart'] === true });
      process.stdout.write(
        `${r.resumedFrom !== null ? `resumed from epoch ${r.resumedFrom}; ` : ''}${r.epochsDone} epochs, ${r.steps} steps; ` +
          `final loss ${r.losses.at(-1)?.toFixed(4) ?? '-'}\nencoder: ${r.encoder}\ncheckpoint: ${r.checkpoint}\n`,
      );
    });
}
