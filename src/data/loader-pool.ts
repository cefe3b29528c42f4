/**
 * A fixed pool of loader worker threads (node:worker_threads running src/data/load-worker.ts): decoding and
 * preprocessing run there, off the main thread, while it trains. A task goes to the worker with the fewest tasks in
 * flight; its result comes back with its buffers transferred. A task's error rejects its promise with the worker's
 * message, which names the file. Idle workers do not keep the process alive (unref'd), and `close()` ends them all
 * (the process stays alive until they have exited); a task still in flight then rejects, naming its file. A worker
 * that fails or exits on its own rejects its tasks the same way and is given no more.
 *
 * `loaderWorkers` (the configs' field): 0 = no pool, everything on the main thread (medcl's behaviour before the
 * pool); absent = `defaultLoaderWorkers()`.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { taskFile, type LoadResults, type LoadTask } from './load-tasks.js';

/** One worker per core left over by the main thread, at least 1 and at most 4. */
export function defaultLoaderWorkers(cores = os.availableParallelism()): number {
  return Math.max(1, Math.min(4, cores - 1));
}

/** the configs' `loaderWorkers` resolved: absent = the default for this machine */
export function resolveLoaderWorkers(n: number | undefined): number {
  if (n === undefined) return defaultLoaderWorkers();
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`loaderWorkers must be an integer >= 0, got ${n}`);
  return n;
}

interface Pending {
  /** the task's file, named when the task fails for want of a worker */
  file: string;
  resolve: (v: never) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  /** why the worker is gone (it failed or exited); null while it runs */
  gone: string | null;
}

export class LoaderPool {
  private readonly slots: Slot[];
  private nextId = 0;
  private closed = false;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`LoaderPool: size must be an integer >= 1, got ${size}`);
    this.slots = Array.from({ length: size }, () => this.startWorker());
  }

  private startWorker(): Slot {
    const worker = new Worker(new URL('./load-worker.js', import.meta.url));
    const slot: Slot = { worker, pending: new Map(), gone: null };
    worker.on('message', (msg: { id: number; result?: unknown; error?: string }) => {
      const p = slot.pending.get(msg.id);
      if (!p) return;
      slot.pending.delete(msg.id);
      // unref'd only while the pool is open: terminate() refs the worker so that the loop waits for its 'exit', which
      // settles close(); unref'ing it for an answer already on its way when close() began would undo that, and with
      // nothing else alive the process would end with close() (and whoever awaits it) pending.
      if (slot.pending.size === 0 && !this.closed) worker.unref();
      if (msg.error !== undefined) p.reject(new Error(`loader: ${msg.error}`));
      else p.resolve(msg.result as never);
    });
    const failAll = (why: string): void => {
      slot.gone ??= why;
      for (const p of slot.pending.values()) p.reject(new Error(`loader: ${why} with ${p.file} in flight`));
      slot.pending.clear();
    };
    worker.on('error', (e) => failAll(`a worker failed (${e.message})`));
    worker.on('exit', (code) => failAll(this.closed ? 'the pool was closed' : `a worker exited (code ${code})`));
    // after the listeners: adding a 'message' listener refs the worker's port again
    worker.unref();
    return slot;
  }

  /** Runs `task` on the least busy worker still running. */
  run<K extends LoadTask['kind']>(task: Extract<LoadTask, { kind: K }>): Promise<LoadResults[K]> {
    const file = taskFile(task);
    if (this.closed) return Promise.reject(new Error(`loader: the pool is closed (${file} not loaded)`));
    const live = this.slots.filter((s) => s.gone === null);
    if (live.length === 0)
      return Promise.reject(new Error(`loader: no worker left (${this.slots[0]!.gone}); ${file} not loaded`));
    const slot = live.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    return new Promise<LoadResults[K]>((resolve, reject) => {
      slot.pending.set(id, { file, resolve: resolve as (v: never) => void, reject });
      slot.worker.ref();
      slot.worker.postMessage({ id, task });
    });
  }

  /** tasks sent and not answered yet */
  get inFlight(): number {
    return this.slots.reduce((a, s) => a + s.pending.size, 0);
  }

  /** Ends every worker (tasks in flight reject); safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
