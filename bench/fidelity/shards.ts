/** The fidelity bench's shard runner: each experiment shard in its own process (worker.js), one thread each. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Runs the shard processes, at most `jobs` at a time, one thread each. When one fails, the others are stopped
 * (SIGTERM; their finished cells and checkpoints stay on disk, so a rerun resumes them) before the error is thrown:
 * a shard left running after its parent exits would hold its run folder's lock against the rerun.
 */
export async function runShards(
  inputs: object[],
  jobs: number,
  worker = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker.js'),
): Promise<void> {
  const queue = [...inputs];
  const live = new Set<ChildProcess>();
  let failed: Error | undefined;
  const runOne = (input: object): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const p = spawn(process.execPath, [worker, JSON.stringify(input)], {
        stdio: ['ignore', 'inherit', 'inherit'],
        env: { ...process.env, MEDCL_THREADS: process.env['MEDCL_THREADS'] ?? '1' },
      });
      live.add(p);
      const out = (input as { out?: string }).out ?? '?';
      p.on('error', (e) => reject(new Error(`shard ${out}: could not start: ${e.message}`)));
      p.on('exit', (code, signal) => {
        live.delete(p);
        if (code === 0) resolve();
        else reject(new Error(`shard ${out} exited with ${code ?? signal}`));
      });
    });
  const lane = async (): Promise<void> => {
    for (let input = queue.shift(); input && !failed; input = queue.shift()) {
      try {
        await runOne(input);
      } catch (e) {
        if (!failed) {
          failed = e as Error;
          for (const p of live) p.kill('SIGTERM');
        }
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: jobs }, lane));
  if (failed) throw failed;
}
