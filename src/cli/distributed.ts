/**
 * The torchrun-like options of `medcl pretrain` and `medcl finetune`: `--nproc-per-node N` starts N ranks on this
 * machine (the command re-runs itself in N processes with RANK/WORLD_SIZE/... set); across machines run the same
 * command on every node with `--nnodes`, that node's `--node-rank`, and rank 0's `--master-addr`/`--master-port`.
 * A process started with WORLD_SIZE already set (by this launcher, by torchrun, by hand) joins the group instead.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { DEFAULT_TIMEOUT_MS } from '../engine/distributed/store.js';
import { launch } from '../train/distributed/launch.js';
import { launchSettingsShape, nodeRankBelowNnodes } from '../train/distributed/launch-settings.js';
import { joinFromEnvironment, type DataParallelContext } from '../train/distributed/context.js';
import { intOption } from '../util/number-fields.js';
import { flagOf, schemaOptions, type OptionSpec } from './options.js';

/** the launcher's settings and the ranks' collective timeout, the options' schema */
const distributedOptionsSchema = z
  .object({ ...launchSettingsShape, distTimeout: intOption(1).default(DEFAULT_TIMEOUT_MS / 1000) })
  .superRefine(nodeRankBelowNnodes(flagOf));

export type DistributedOptions = z.output<typeof distributedOptionsSchema>;

const SPECS: Record<string, OptionSpec> = {
  nprocPerNode: { description: 'data-parallel: processes (ranks) on this machine' },
  nnodes: { description: 'data-parallel: machines' },
  nodeRank: { description: "data-parallel: this machine's index, 0..nnodes-1" },
  masterAddr: { description: "data-parallel: rank 0's machine", value: '<addr>' },
  masterPort: { description: "data-parallel: rank 0's port", default: 'a free one on one machine, else 29500' },
  distTimeout: { description: 'data-parallel: seconds a collective waits for the other ranks', value: '<s>' },
};

/** the launcher's own options, not passed on to the ranks (--dist-timeout is: the ranks use it) */
const LAUNCH_FLAGS = Object.keys(launchSettingsShape).map(flagOf);

/** what a distributed command does in this process: `join()` once its config is valid gives its group (or null) */
export type DistributedWork = (
  raw: Record<string, unknown>,
  join: () => DataParallelContext | null,
) => Promise<void> | void;

/**
 * Adds the data-parallel options to `cmd` and makes `work` its action. The options are validated first, whole
 * (`<name>: invalid options:`, a line per bad value naming its flag). With --nproc-per-node > 1 or --nnodes > 1 (and
 * no WORLD_SIZE in the environment) this process only starts the ranks and waits for them, exiting with their worst
 * code; otherwise it does the work itself.
 */
export function distributedAction(cmd: Command, name: string, work: DistributedWork): void {
  const parse = schemaOptions(cmd, distributedOptionsSchema, SPECS, name);
  cmd.action(async (raw: Record<string, unknown>) => {
    const o = parse(raw);
    const code = await launchRanks(o);
    if (code !== null) {
      process.exitCode = code;
      return;
    }
    await work(raw, () => joinRanks(o));
  });
}

/** the command line without the launcher's options (what each rank runs) */
export function withoutLauncherOptions(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (LAUNCH_FLAGS.includes(a)) i++;
    else if (!LAUNCH_FLAGS.some((f) => a.startsWith(`${f}=`))) out.push(a);
  }
  return out;
}

/**
 * With --nproc-per-node > 1 or --nnodes > 1 (and no WORLD_SIZE in the environment), starts this node's ranks running
 * the same command, waits for them and returns their worst exit code; otherwise null (this process does the work).
 */
async function launchRanks(o: DistributedOptions): Promise<number | null> {
  if (process.env['WORLD_SIZE'] !== undefined || (o.nprocPerNode <= 1 && o.nnodes <= 1)) return null;
  const { distTimeout: _ranksUseIt, ...settings } = o;
  const exits = await launch({
    ...settings,
    command: process.execPath,
    args: [...process.execArgv, process.argv[1]!, ...withoutLauncherOptions(process.argv.slice(2))],
  });
  const failed = exits.filter((e) => e.code !== 0);
  for (const e of failed)
    process.stderr.write(`medcl: rank ${e.rank} exited with ${e.signal ?? `code ${String(e.code)}`}\n`);
  return failed.length ? 1 : 0;
}

/** the group this process belongs to (WORLD_SIZE > 1 in the environment), or null */
function joinRanks(o: DistributedOptions): DataParallelContext | null {
  return joinFromEnvironment(o.distTimeout * 1000);
}
