/**
 * `medcl experiment --config exp.json`: methods × label budgets × folds; resumable; table, plot, report. A config with
 * `"kind": "drasclr-ablation"` runs the DrasCLR ablations instead (src/experiment/drasclr-ablation.ts).
 */
import { Command } from 'commander';
import path from 'node:path';
import { runExperiment } from '../experiment/experiment.js';
import { runDrasclrAblation } from '../experiment/drasclr-ablation.js';
import { readJsonFile } from './pretrain.js';
import { experimentSchema } from '../experiment/config.js';
import { addSchemaOptions, pickOptions } from './options.js';
import { DEVICE_OPTION } from './device-option.js';
import { LOADER_WORKERS_OPTION } from './loader-workers-option.js';

export function register(program: Command): void {
  const command = program
    .command('experiment')
    .description('pre-train, fine-tune and evaluate methods x label budgets x folds (resumable)')
    .requiredOption(
      '--config <file>',
      'experiment config JSON (`medcl config --schema experiment`; with "kind": "drasclr-ablation", the DrasCLR ablation)',
    )
    .option('--restart', 'start afresh: move the folder’s previous outputs to previous/<time>/ (docs/reliability.md)');
  // the fields an option may set over the file (the file is validated whole by the runner, before any work)
  const fields = addSchemaOptions(command, experimentSchema, {
    out: { description: 'output folder (overrides the config)', value: '<dir>' },
    device: DEVICE_OPTION,
    loaderWorkers: LOADER_WORKERS_OPTION,
  });
  command.action(async (o: { config: string; out?: string; device?: string; restart?: boolean }) => {
    const cfg = readJsonFile(o.config, 'experiment config');
    const input = { ...cfg, ...pickOptions(o, fields) };
    if (cfg['kind'] === 'drasclr-ablation') {
      const a = await runDrasclrAblation(input as never);
      process.stdout.write(`table: ${path.join(a.out, 'ablation.md')}\n`);
      return;
    }
    const r = await runExperiment(input as never, { restart: o.restart === true });
    process.stdout.write(`report: ${r.report}\n`);
  });
}
