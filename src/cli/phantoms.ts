/**
 * `medcl data phantoms --out DIR --seed N [--kinds xray,ct,lungct] [--small]`: writes the seeded phantom data sets
 * (chest X-ray series, CT volumes, lung CT volumes with outcomes) with their manifests. The options are the fields of
 * phantomSetSchema (src/phantoms/write.ts), validated whole first.
 */
import { Command } from 'commander';
import { PHANTOM_KINDS, phantomSetSchema, writePhantoms } from '../phantoms/write.js';
import { schemaOptions } from './options.js';

/** Adds `data phantoms` to `program` (re-using a `data` command another module may have added). */
export function register(program: Command): void {
  const data =
    program.commands.find((c) => c.name() === 'data') ??
    program.command('data').description('data sets: phantoms, manifests');
  const command = data
    .command('phantoms')
    .description(
      'write the seeded phantom data sets (xray: chest X-ray series; ct: CT volumes; lungct: lung CT with outcomes)',
    );
  const parse = schemaOptions(
    command,
    phantomSetSchema,
    {
      out: {
        description: 'output folder (one sub-folder and manifest.json per data set)',
        value: '<dir>',
        required: true,
      },
      seed: 'random seed',
      kinds: `comma-separated data sets (${PHANTOM_KINDS.join(',')})`,
      small: 'small, quick versions (64x64 X-rays, 48x48 in-plane volumes)',
    },
    'data phantoms',
  );
  command.action(async (raw: Record<string, unknown>) => {
    const o = parse(raw);
    const res = await writePhantoms({ out: o.out, seed: o.seed, kinds: o.kinds, sizes: o.small ? 'small' : 'default' });
    for (const k of o.kinds) process.stdout.write(`${k}: ${res.items[k]} items -> ${res.manifests[k]}\n`);
    process.stdout.write(`done in ${res.seconds.toFixed(1)} s\n`);
  });
}
