#!/usr/bin/env node
/**
 * The `medcl` command. Each sub-command lives in its own module under src/cli/ and exports
 * `register(program)`; this file only assembles them. Commands parse and validate, then call the library.
 */
import { Command } from 'commander';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('medcl')
    .description('Label-efficient medical image segmentation: contrastive pre-training, fine-tuning, evaluation')
    .version('0.1.0');
  return program;
}

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      process.stderr.write(`medcl: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}
