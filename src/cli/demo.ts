/**
 * `medcl demo [--out DIR]`: phantoms -> small experiments (X-ray, CT; DrasCLR on lung CT when asked) -> DIR/report.html and
 * DIR/results.jsonl. The options are the fields of demoSettingsSchema (src/experiment/demo.ts), validated first.
 */
import { Command } from 'commander';
import { demoSettingsSchema, runDemo } from '../experiment/demo.js';
import { schemaOptions } from './options.js';

export function register(program: Command): void {
  const command = program
    .command('demo')
    .description(
      'generate the phantoms, run Random vs SimCLR vs CL-TCI/PCL with few labels (and DrasCLR on lung CT with --datasets xray,ct,lungct); writes an HTML report',
    );
  const parse = schemaOptions(
    command,
    demoSettingsSchema,
    {
      out: { description: 'output folder', value: '<dir>' },
      seed: 'random seed',
      tiny: 'seconds-long version (smoke test)',
      datasets: {
        description: 'comma-separated parts: xray, ct (2D experiments), lungct (DrasCLR, opt-in)',
        default: 'xray,ct',
      },
    },
    'demo',
  );
  command.action(async (raw: Record<string, unknown>) => {
    const o = parse(raw);
    const r = await runDemo({
      out: o.out,
      seed: o.seed,
      scale: o.tiny ? 'tiny' : 'default',
      ...(o.datasets ? { datasets: o.datasets } : {}),
    });
    process.stdout.write(`\n${r.summary}\n\nreport: ${r.report}\nresults: ${r.results}\n`);
  });
}
