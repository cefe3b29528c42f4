/** `medcl demo [--out DIR]`: phantoms -> small experiments -> DIR/report.html and DIR/results.jsonl. */
import { Command, InvalidArgumentError } from 'commander';
import { runDemo } from '../experiment/demo.js';

export function register(program: Command): void {
  program
    .command('demo')
    .description('generate the phantoms and run Random vs SimCLR vs CL-TCI/PCL with few labels; writes an HTML report')
    .option('--out <dir>', 'output folder', 'medcl-demo')
    .option(
      '--seed <n>',
      'random seed',
      (v: string) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected an integer >= 0, got "${v}"`);
        return n;
      },
      0,
    )
    .option('--tiny', 'seconds-long version (smoke test)', false)
    .action(async (o: { out: string; seed: number; tiny: boolean }) => {
      const r = await runDemo({ out: o.out, seed: o.seed, scale: o.tiny ? 'tiny' : 'default' });
      process.stdout.write(`\n${r.summary}\n\nreport: ${r.report}\nresults: ${r.results}\n`);
    });
}
