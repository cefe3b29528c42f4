/**
 * `medcl data phantoms --out DIR --seed N [--kinds xray,ct,lungct] [--small]`: writes the seeded phantom data sets
 * (chest X-ray series, CT volumes, lung CT volumes with outcomes) with their manifests.
 */
import { Command, InvalidArgumentError } from 'commander';
import { PHANTOM_KINDS, writePhantoms, type PhantomKind } from '../phantoms/write.js';
import { parseIntArg } from './parse.js';

function parseKinds(v: string): PhantomKind[] {
  const kinds = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (kinds.length === 0) throw new InvalidArgumentError('expected at least one kind');
  for (const k of kinds) {
    if (!(PHANTOM_KINDS as readonly string[]).includes(k))
      throw new InvalidArgumentError(`unknown kind "${k}" (expected ${PHANTOM_KINDS.join(', ')})`);
  }
  return [...new Set(kinds)] as PhantomKind[];
}

/** Adds `data phantoms` to `program` (re-using a `data` command another module may have added). */
export function register(program: Command): void {
  const data =
    program.commands.find((c) => c.name() === 'data') ??
    program.command('data').description('data sets: phantoms, manifests');
  data
    .command('phantoms')
    .description(
      'write the seeded phantom data sets (xray: chest X-ray series; ct: CT volumes; lungct: lung CT with outcomes)',
    )
    .requiredOption('--out <dir>', 'output folder (one sub-folder and manifest.json per data set)')
    .option('--seed <n>', 'random seed', parseIntArg, 0)
    .option('--kinds <list>', `comma-separated data sets (${PHANTOM_KINDS.join(',')})`, parseKinds, [...PHANTOM_KINDS])
    .option('--small', 'small, quick versions (64x64 X-rays, 48x48 in-plane volumes)', false)
    .action(async (opts: { out: string; seed: number; kinds: PhantomKind[]; small: boolean }) => {
      const res = await writePhantoms({
        out: opts.out,
        seed: opts.seed,
        kinds: opts.kinds,
        sizes: opts.small ? 'small' : 'default',
      });
      for (const k of opts.kinds) process.stdout.write(`${k}: ${res.items[k]} items -> ${res.manifests[k]}\n`);
      process.stdout.write(`done in ${res.seconds.toFixed(1)} s\n`);
    });
}
