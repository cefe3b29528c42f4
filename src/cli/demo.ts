/**
 * `medcl demo [--out DIR]`: phantoms -> small experiments (X-ray, CT; DrasCLR on lung CT when asked) -> DIR/report.html and
 * DIR/results.jsonl.
 */
import { Command, InvalidArgumentError } from 'commander';
import { runDemo } from '../experiment/demo.js';
import { nonNegativeInt } from './parse.js';

export function register(program: Command): void {
  program
    .command('demo')
    .description(
      'generate the phantoms, run Random vs SimCLR vs CL-TCI/PCL with few labels (and DrasCLR on lung CT with --datasets xray,ct,lungct); writes an HTML report',
    )
    .option('--out <dir>', 'output folder', 'medcl-demo')
    .option('--seed <n>', 'random seed', nonNegativeInt, 0)
    .option('--tiny', 'seconds-long version (smoke test)', false)
    .option(
      '--datasets <list>',
      'comma-separated parts: xray, ct (2D experiments), lungct (DrasCLR, opt-in) (default: xray,ct)',
      (v: string) => {
        const parts = v.split(',').map((s) => s.trim());
        const bad = parts.filter((p) => !['xray', 'ct', 'lungct'].includes(p));
        if (parts.length === 0 || bad.length > 0)
          throw new InvalidArgumentError(`expected xray, ct and/or lungct, got "${bad.join(', ') || v}"`);
        return parts as ('xray' | 'ct' | 'lungct')[];
      },
    )
    .action(async (o: { out: string; seed: number; tiny: boolean; datasets?: ('xray' | 'ct' | 'lungct')[] }) => {
      const r = await runDemo({
        out: o.out,
        seed: o.seed,
        scale: o.tiny ? 'tiny' : 'default',
        ...(o.datasets ? { datasets: o.datasets } : {}),
      });
      process.stdout.write(`\n${r.summary}\n\nreport: ${r.report}\nresults: ${r.results}\n`);
    });
}
