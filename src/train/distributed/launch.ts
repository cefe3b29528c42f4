/**
 * A launcher like torchrun: starts `nprocPerNode` processes on this machine, each with the environment
 * torch.distributed's env:// rendezvous reads (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, GROUP_RANK,
 * MASTER_ADDR, MASTER_PORT), and waits for them. Across machines, run it on every node with the same `nnodes`,
 * `masterAddr` and `masterPort` and that node's `nodeRank`. As torchrun, it stops the other ranks when one fails
 * (`onFailure: 'kill'`); with 'wait' each rank meets the failure itself (a collective's error or timeout).
 * Each rank gets MEDCL_THREADS = cores / nprocPerNode (at least 1) unless the caller set it (torchrun sets
 * OMP_NUM_THREADS=1 for the same reason: the ranks share the cores).
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import { parseLaunchSettings } from './launch-settings.js';

export interface LaunchOptions {
  nprocPerNode: number;
  nnodes?: number;
  nodeRank?: number;
  /** rank 0's machine (default 127.0.0.1) */
  masterAddr?: string;
  /** default: a free port when nnodes is 1, else 29500 (torchrun's) */
  masterPort?: number;
  /** the program every rank runs and its arguments */
  command: string;
  args: readonly string[];
  /** the ranks' environment before the launcher's variables (default process.env) */
  env?: NodeJS.ProcessEnv;
  onFailure?: 'kill' | 'wait';
  /** 'inherit' (default): the ranks write to this terminal; 'pipe': their output is collected */
  stdio?: 'inherit' | 'pipe';
}

export interface RankExit {
  rank: number;
  localRank: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr (with stdio 'pipe') */
  output: string;
}

/** a TCP port free on this machine now (the OS's pick) */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** the environment of local rank `localRank` */
export function rankEnv(
  o: Required<Pick<LaunchOptions, 'nprocPerNode' | 'nnodes' | 'nodeRank' | 'masterAddr' | 'masterPort'>>,
  localRank: number,
  base: NodeJS.ProcessEnv,
): NodeJS.ProcessEnv {
  const threads = Math.max(1, Math.floor(os.availableParallelism() / o.nprocPerNode));
  return {
    ...base,
    RANK: String(o.nodeRank * o.nprocPerNode + localRank),
    WORLD_SIZE: String(o.nnodes * o.nprocPerNode),
    LOCAL_RANK: String(localRank),
    LOCAL_WORLD_SIZE: String(o.nprocPerNode),
    GROUP_RANK: String(o.nodeRank),
    MASTER_ADDR: o.masterAddr,
    MASTER_PORT: String(o.masterPort),
    MEDCL_THREADS: base['MEDCL_THREADS'] ?? String(threads),
  };
}

/** Starts the ranks of this node and resolves when all have exited. */
export async function launch(o: LaunchOptions): Promise<RankExit[]> {
  // the launcher's fields only (the schema drops command, args, ...); every bad one named at once
  const { nprocPerNode, nnodes, nodeRank, masterAddr, ...given } = parseLaunchSettings(o);
  const masterPort = given.masterPort ?? (nnodes === 1 ? await freePort() : 29500);
  const plan = { nprocPerNode, nnodes, nodeRank, masterAddr, masterPort };
  const children = Array.from({ length: nprocPerNode }, (_, local) =>
    spawn(o.command, [...o.args], {
      env: rankEnv(plan, local, o.env ?? process.env),
      stdio: o.stdio === 'pipe' ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    }),
  );
  return Promise.all(
    children.map(
      (child, local) =>
        new Promise<RankExit>((resolve) => {
          let output = '';
          child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
          child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
          child.on('close', (code, signal) => {
            if ((code !== 0 || signal) && (o.onFailure ?? 'kill') === 'kill')
              for (const c of children) if (c !== child && c.exitCode === null) c.kill('SIGTERM');
            resolve({ rank: nodeRank * nprocPerNode + local, localRank: local, code, signal, output });
          });
        }),
    ),
  );
}
