/** `medcl experiment --config exp.json`: methods × label budgets × folds; resumable; table, plot, report. */
import { Command } from 'commander';
import { runExperiment } from '../experiment/experiment.js';
import { readJsonFile } from './pretrain.js';

export function register(program: Command): void {
  program
    .command('experiment')
    .description('pre-train, fine-tune and evaluate methods x label budgets x folds (resumable)')
    .requiredOption('--config <file>', 'experiment config JSON (see src/experiment/config.ts)')
    .option('--out <dir>', 'output folder (overrides the config)')
    .action(async (o: { config: string; out?: string }) => {
      const cfg = readJsonFile(o.config, 'experiment config');
      const r = await runExperiment({ ...cfg, ...(o.out ? { out: o.out } : {}) } as never);
      process.stdout.write(`report: ${r.report}\n`);
    });
}
