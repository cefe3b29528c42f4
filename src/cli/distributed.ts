/**
 * The torchrun-like options of `medcl pretrain` and `medcl finetune`: `--nproc-per-node N` starts N ranks on this
 * machine (the command re-runs itself in N processes with RANK/WORLD_SIZE/... set); across machines run the same
 * command on every node with `--nnodes`, that node's `--node-rank`, and rank 0's `--master-addr`/`--master-port`.
 * A process started with WORLD_SIZE already set (by this launcher, by torchrun, by hand) joins the group instead.
 */
import type { Command } from 'commander';
import { launch } from '../train/distributed/launch.js';
import { joinFromEnvironment, type DataParallelContext } from '../train/distributed/context.js';
import { nonNegativeInt } from './parse.js';

/** the launcher's own options, not passed on to the ranks (--dist-timeout is: the ranks use it) */
const LAUNCH_FLAGS = ['--nproc-per-node', '--nnodes', '--node-rank', '--master-addr', '--master-port'];

export function addDistributedOptions(cmd: Command): Command {
  return cmd
    .option('--nproc-per-node <n>', 'data-parallel: processes (ranks) on this machine (default 1)', nonNegativeInt)
    .option('--nnodes <n>', 'data-parallel: machines (default 1)', nonNegativeInt)
    .option('--node-rank <n>', "data-parallel: this machine's index, 0..nnodes-1 (default 0)", nonNegativeInt)
    .option('--master-addr <addr>', "data-parallel: rank 0's machine (default 127.0.0.1)")
    .option(
      '--master-port <n>',
      "data-parallel: rank 0's port (default: a free one on one machine, else 29500)",
      nonNegativeInt,
    )
    .option(
      '--dist-timeout <s>',
      'data-parallel: seconds a collective waits for the other ranks (default 300)',
      nonNegativeInt,
    );
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
export async function launchRanks(o: Record<string, unknown>): Promise<number | null> {
  const nproc = (o['nprocPerNode'] as number | undefined) ?? 1;
  const nnodes = (o['nnodes'] as number | undefined) ?? 1;
  if (process.env['WORLD_SIZE'] !== undefined || (nproc <= 1 && nnodes <= 1)) return null;
  const exits = await launch({
    nprocPerNode: nproc,
    nnodes,
    nodeRank: (o['nodeRank'] as number | undefined) ?? 0,
    ...(o['masterAddr'] !== undefined ? { masterAddr: String(o['masterAddr']) } : {}),
    ...(o['masterPort'] !== undefined ? { masterPort: o['masterPort'] as number } : {}),
    command: process.execPath,
    args: [...process.execArgv, process.argv[1]!, ...withoutLauncherOptions(process.argv.slice(2))],
  });
  const failed = exits.filter((e) => e.code !== 0);
  for (const e of failed)
    process.stderr.write(`medcl: rank ${e.rank} exited with ${e.signal ?? `code ${String(e.code)}`}\n`);
  return failed.length ? 1 : 0;
}

/** the group this process belongs to (WORLD_SIZE > 1 in the environment), or null */
export function joinRanks(o: Record<string, unknown>): DataParallelContext | null {
  const s = o['distTimeout'] as number | undefined;
  return joinFromEnvironment(s === undefined ? undefined : s * 1000);
}
