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

function checkInt(field: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new Error(`launch: ${field}: expected an integer >= ${min}, got ${v}`);
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
  const nnodes = o.nnodes ?? 1;
  const nodeRank = o.nodeRank ?? 0;
  checkInt('nprocPerNode', o.nprocPerNode, 1);
  checkInt('nnodes', nnodes, 1);
  checkInt('nodeRank', nodeRank, 0);
  if (nodeRank >= nnodes) throw new Error(`launch: nodeRank ${nodeRank} is not below nnodes ${nnodes}`);
  const masterPort = o.masterPort ?? (nnodes === 1 ? await freePort() : 29500);
  const plan = { nprocPerNode: o.nprocPerNode, nnodes, nodeRank, masterAddr: o.masterAddr ?? '127.0.0.1', masterPort };
  const children = Array.from({ length: o.nprocPerNode }, (_, local) =>
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
            resolve({ rank: nodeRank * o.nprocPerNode + local, localRank: local, code, signal, output });
          });
        }),
    ),
  );
}
