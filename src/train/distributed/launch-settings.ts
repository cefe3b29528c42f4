/**
 * The launcher's settings, as one zod schema: how many ranks on this machine, how many machines, this machine's index
 * and rank 0's address. `launch()` validates them with it, and `medcl pretrain|finetune` derive their
 * `--nproc-per-node`, `--nnodes`, `--node-rank`, `--master-addr` and `--master-port` options from it
 * (src/cli/distributed.ts), so a bad value fails the same way in both, naming the field or the flag.
 */
import { z } from 'zod';
import { intOption } from '../../util/number-fields.js';
import { parseConfig, type ConfigSource } from '../../util/parse-config.js';

/** the fields, without the cross-field rule (a command adds its own fields to them) */
export const launchSettingsShape = {
  /** ranks started on this machine */
  nprocPerNode: intOption(1).default(1),
  /** machines, each running the same launcher */
  nnodes: intOption(1).default(1),
  /** this machine's index, 0..nnodes-1 */
  nodeRank: intOption(0).default(0),
  /** rank 0's machine */
  masterAddr: z.string().min(1, { error: 'expected a host name or address' }).default('127.0.0.1'),
  /** rank 0's port (unset: a free one on one machine, else 29500, torchrun's) */
  masterPort: intOption(1)
    .max(65535, { error: (iss) => `expected a port number (1..65535), got ${String(iss.input)}` })
    .optional(),
};

/**
 * The rule across the fields: this machine's index is one of the machines. `name` says how the message names a field
 * (`nodeRank 2 is not below nnodes 2`; the command line: `--node-rank 2 is not below --nnodes 2`).
 */
export function nodeRankBelowNnodes(name: (field: 'nodeRank' | 'nnodes') => string = (f) => f) {
  return (s: { nodeRank: number; nnodes: number }, ctx: z.core.$RefinementCtx): void => {
    if (s.nodeRank >= s.nnodes)
      ctx.addIssue({
        code: 'custom',
        message: `${name('nodeRank')} ${s.nodeRank} is not below ${name('nnodes')} ${s.nnodes}`,
        input: s,
      });
  };
}

export const launchSettingsSchema = z
  .object(launchSettingsShape)
  .superRefine(nodeRankBelowNnodes())
  .meta({ title: 'launcher settings' });

export type LaunchSettings = z.output<typeof launchSettingsSchema>;

/** validates the launcher's settings, every problem at once, naming `source` and each field */
export function parseLaunchSettings(input: unknown, source: ConfigSource = 'launch'): LaunchSettings {
  return parseConfig(launchSettingsSchema, input, source);
}
