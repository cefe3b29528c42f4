/**
 * `medcl data import --format nnunet|msd DIR --out manifest.json`: an nnU-Net raw dataset folder or a Medical
 * Segmentation Decathlon task folder becomes a medcl manifest (src/io/import-dataset.ts): training cases with their
 * labels, test images without, classes in id order, patient id = case id. Every problem is listed with its file and
 * field before anything is written.
 */
import { Command } from 'commander';
import { z } from 'zod';
import { flagNames, parseOptions } from './options.js';
import { IMPORT_FORMATS, importDataset } from '../io/import-dataset.js';

const optionsSchema = z.strictObject({
  dir: z.string().min(1),
  format: z.enum(IMPORT_FORMATS),
  out: z.string().regex(/\.json$/i, 'expected a .json file'),
});

/** Adds `data import` to `program` (re-using a `data` command another module may have added). */
export function register(program: Command): void {
  const data =
    program.commands.find((c) => c.name() === 'data') ??
    program.command('data').description('data sets: phantoms, manifests');
  data
    .command('import')
    .description('turn an nnU-Net raw dataset or a Decathlon task folder into a medcl manifest')
    .argument('<dir>', 'the dataset folder (holding dataset.json)')
    .requiredOption('--format <name>', `dataset layout: ${IMPORT_FORMATS.join(' | ')}`)
    .requiredOption('--out <file>', 'manifest to write (.json; image paths relative to its folder)')
    .action(async (dir: string, raw: { format: string; out: string }) => {
      const o = parseOptions(optionsSchema, { dir, ...raw }, 'data import', {
        ...flagNames(['format', 'out']),
        dir: 'DIR',
      });
      const r = await importDataset(o);
      const classes = r.manifest.classes.map((c, i) => `${i} ${c}`).join(', ');
      process.stdout.write(
        `${r.file}: ${r.training} training cases with labels, ${r.test} test images without\n` +
          `classes: ${classes}\n` +
          r.notes.map((n) => `note: ${n}\n`).join(''),
      );
    });
}
