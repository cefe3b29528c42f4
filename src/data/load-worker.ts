/**
 * The entry of a loader worker thread (src/data/loader-pool.ts): runs each task it is sent (src/data/load-tasks.ts)
 * and posts back `{ id, result }` with the result's buffers transferred, or `{ id, error }`. It never loads the
 * tensor engine: decoding and preprocessing are plain TypeScript over typed arrays.
 */
import { parentPort } from 'node:worker_threads';
import { runLoadTask, transferablesOf, type LoadTask } from './load-tasks.js';
import { errorMessage } from '../util/error-message.js';

if (!parentPort) throw new Error('load-worker: must run as a worker thread (src/data/loader-pool.ts starts it)');
const port = parentPort;

port.on('message', (msg: { id: number; task: LoadTask }) => {
  runLoadTask(msg.task).then(
    (result) => port.postMessage({ id: msg.id, result }, transferablesOf(result)),
    (e: unknown) => port.postMessage({ id: msg.id, error: errorMessage(e) }),
  );
});
