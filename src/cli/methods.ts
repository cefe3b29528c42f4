/**
 * `medcl methods [--json]`: the pre-training methods `medcl pretrain --method` takes, one row each: name, input
 * (2d slices/images or 3d patches), paper, what makes its positives, and the main settings of its default config.
 * `--json` adds the definition's own paper defaults.
 */
import { Command } from 'commander';
import { describeMethods, formatSettings, type MethodDescription } from '../methods/describe.js';
import { flagNames, parseOptions } from './options.js';
import { z } from 'zod';
import { textTable } from './text-table.js';

const optionsSchema = z.strictObject({ json: z.boolean() });

/** the paper without its source file in parentheses (the JSON keeps it) */
function shortPaper(paper: string): string {
  return paper.replace(/\s*\([^)]*\)\s*$/, '');
}

export function formatMethods(methods: readonly MethodDescription[]): string {
  const rows = methods.map((m) => [m.name, m.input, shortPaper(m.paper), m.summary, formatSettings(m.keySettings)]);
  const table = textTable(['method', 'input', 'paper', 'positives', 'key defaults'], rows, {
    maxWidths: [undefined, undefined, 24, 36, 48],
  });
  return (
    table +
    '\nkey defaults: the main settings `medcl pretrain --method NAME` uses unless a --config file or an option changes them;\n' +
    '`medcl config --method NAME` prints the whole default config.\n'
  );
}

export function register(program: Command): void {
  program
    .command('methods')
    .description('list the pre-training methods: paper, what makes positives, key default settings')
    .option('--json', "print the list as JSON (with each definition's paper defaults)", false)
    .action((raw: { json: boolean }) => {
      const o = parseOptions(optionsSchema, raw, 'methods', flagNames(['json']));
      const methods = describeMethods();
      process.stdout.write(o.json ? JSON.stringify(methods, null, 2) + '\n' : formatMethods(methods));
    });
}
