/** The fidelity bench's shard runner: each experiment shard in its own process (worker.js), one thread each. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Runs the shard processes, at most `jobs` at a time, one thread each. */
export async function runShards(inputs: object[], jobs: number): Promise<void> {
  const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker.js');
  const queue = [...inputs];
  const one = async (): Promise<void> => {
    for (let input = queue.shift(); input; input = queue.shift()) {
      await new Promise<void>((resolve, reject) => {
        const p = spawn(process.execPath, [worker, JSON.stringify(input)], {
          stdio: ['ignore', 'inherit', 'inherit'],
          env: { ...process.env, MEDCL_THREADS: process.env['MEDCL_THREADS'] ?? '1' },
        });
        p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`shard exited with ${code}`))));
      });
    }
  };
  await Promise.all(Array.from({ length: jobs }, one));
}
