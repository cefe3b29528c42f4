/**
 * `medcl config --method pcl [--data m.json] [--out runs/pcl]`: the resolved default pre-training config of a method
 * (its paper's settings over the global defaults) as JSON, ready to edit and pass to `medcl pretrain --config`.
 * `data` and `out` are placeholders ("<replace: ...>") unless given; `medcl pretrain --data/--out` also replace them.
 * `medcl config --finetune [--recipe pcl]`: the same for a `medcl finetune` run.
 * `medcl config --schema pretrain|finetune|finetune-run|experiment|drasclr`: the JSON Schema of a config file
 * (zod's toJSONSchema with io 'input': the configs transform some fields, e.g. an experiment's `budgetUnit` default,
 * which JSON Schema cannot express, so the schema describes what a file may say, before those transforms).
 */
import { Command } from 'commander';
import { z } from 'zod';
import { flagNames, parseOptions } from './options.js';
import { resolvePretrainConfig } from '../methods/resolve-config.js';
import { pretrainSchema } from '../methods/config.js';
import { finetuneSchema } from '../train/finetune-config.js';
import { finetuneRunSchema, parseFinetuneRunConfig } from '../train/finetune-run-config.js';
import { experimentSchema } from '../experiment/config.js';
import { drasclrConfigSchema, parseDrasclrConfig } from '../methods/drasclr-config.js';
import { SLICE_METHODS as METHODS } from '../methods/registry.js';

const METHOD_NAMES = [...METHODS.map((m) => m.name), 'drasclr'];

export const SCHEMAS = {
  pretrain: { schema: pretrainSchema, title: 'medcl pre-training config (medcl pretrain --config)' },
  finetune: { schema: finetuneSchema, title: 'medcl fine-tuning config (the `finetune` field of an experiment)' },
  'finetune-run': { schema: finetuneRunSchema, title: 'medcl fine-tuning run config (medcl finetune --config)' },
  experiment: { schema: experimentSchema, title: 'medcl experiment config (medcl experiment --config)' },
  drasclr: {
    schema: drasclrConfigSchema,
    title: 'medcl DrasCLR pre-training config (medcl pretrain-drasclr --config)',
  },
} as const;
export type SchemaName = keyof typeof SCHEMAS;

export const DATA_PLACEHOLDER = '<replace: manifest.json>';
export const OUT_PLACEHOLDER = '<replace: output folder>';

const optionsSchema = z
  .strictObject({
    method: z
      .string()
      .refine((m) => METHOD_NAMES.includes(m), { message: `expected one of ${METHOD_NAMES.join(', ')}` })
      .optional(),
    finetune: z.boolean(),
    recipe: z.enum(['cltci', 'pcl', 'polycl']).optional(),
    schema: z.enum(Object.keys(SCHEMAS) as [SchemaName, ...SchemaName[]]).optional(),
    data: z.string().min(1).optional(),
    out: z.string().min(1).optional(),
  })
  .superRefine((o, ctx) => {
    const asked = [o.method !== undefined, o.finetune, o.schema !== undefined].filter(Boolean).length;
    if (asked !== 1)
      ctx.addIssue({ code: 'custom', path: [], message: 'give exactly one of --method, --finetune, --schema' });
    if (o.recipe !== undefined && !o.finetune)
      ctx.addIssue({ code: 'custom', path: ['recipe'], message: 'only with --finetune' });
    for (const k of ['data', 'out'] as const)
      if (o[k] !== undefined && o.schema !== undefined)
        ctx.addIssue({ code: 'custom', path: [k], message: 'not with --schema' });
  });
type ConfigOptions = z.output<typeof optionsSchema>;

/** The JSON Schema of a config file (what it may say, before the schema's transforms). */
export function configJsonSchema(name: SchemaName): Record<string, unknown> {
  const { schema, title } = SCHEMAS[name];
  return { ...z.toJSONSchema(schema, { io: 'input' }), title };
}

/** The default config of a pre-training method (DrasCLR included), or of a fine-tuning run. */
export function defaultConfig(o: ConfigOptions): Record<string, unknown> {
  const where = { data: o.data ?? DATA_PLACEHOLDER, out: o.out ?? OUT_PLACEHOLDER };
  if (o.finetune) return parseFinetuneRunConfig({ ...where, ...(o.recipe ? { recipe: o.recipe } : {}) });
  if (o.method === 'drasclr') return parseDrasclrConfig(where);
  return resolvePretrainConfig({ method: o.method!, ...where });
}

export function register(program: Command): void {
  program
    .command('config')
    .description('print the default config of a method or of fine-tuning, or the JSON Schema of a config file')
    .option('--method <name>', 'a pre-training method (`medcl methods`): its resolved default config')
    .option('--finetune', 'the default config of a `medcl finetune` run', false)
    .option('--recipe <name>', "with --finetune: a paper's recipe (cltci | pcl | polycl)")
    .option('--schema <name>', `JSON Schema of a config file: ${Object.keys(SCHEMAS).join(' | ')}`)
    .option('--data <manifest>', 'fill in the data field (default: a placeholder to replace)')
    .option('--out <dir>', 'fill in the out field (default: a placeholder to replace)')
    .action((raw: Record<string, unknown>) => {
      const o = parseOptions(optionsSchema, raw, 'config', flagNames(Object.keys(raw)));
      if (o.schema !== undefined) {
        process.stdout.write(JSON.stringify(configJsonSchema(o.schema), null, 2) + '\n');
        return;
      }
      const cfg = defaultConfig(o);
      process.stdout.write(JSON.stringify(cfg, null, 2) + '\n');
      const placeholders = [cfg['data'], cfg['out']].some((v) => typeof v === 'string' && v.startsWith('<replace'));
      if (placeholders)
        process.stderr.write(
          'config: "data" and "out" are placeholders: replace them in the file, or give --data and --out to the ' +
            'command that reads it (options override the file)\n',
        );
    });
}
