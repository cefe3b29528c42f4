/**
 * The child process of pretrain-kill.test.ts: a real SimCLR pre-training of the small X-ray phantoms (size 32,
 * widths [4, 8], a checkpoint every epoch), run until it ends or the parent kills it with SIGKILL.
 * argv[2]: JSON { data, out, epochs, snapshots? }.
 *
 * A slow disk is simulated so that a kill can land inside a checkpoint write: writes into a checkpoint's temp file
 * go out 512 bytes per call with a 3 ms pause (the atomic writer loops over partial writes, as on a real slow or
 * network disk). With `snapshots` (the uninterrupted reference run), every committed checkpoint is copied to
 * `<snapshots>/epoch-<k>.safetensors` right after its rename, k = 1, 2, ...
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const fs = require('node:fs') as typeof import('node:fs');

const arg = JSON.parse(process.argv[2] ?? '{}') as { data: string; out: string; epochs: number; snapshots?: string };
const CHUNK = 512;
const pause = new Int32Array(new SharedArrayBuffer(4));
const slow = new Set<number>();

const { openSync, writeSync, closeSync, renameSync } = fs;
Object.assign(fs, {
  openSync(file: string, ...rest: unknown[]): number {
    const fd = (openSync as (...a: unknown[]) => number)(file, ...rest);
    if (/\.checkpoint\.safetensors\.tmp-/.test(path.basename(String(file)))) slow.add(fd);
    return fd;
  },
  writeSync(fd: number, buf: Uint8Array, off: number, len: number, ...rest: unknown[]): number {
    if (!slow.has(fd) || typeof buf === 'string')
      return (writeSync as (...a: unknown[]) => number)(fd, buf, off, len, ...rest);
    Atomics.wait(pause, 0, 0, 3);
    return writeSync(fd, buf, off, Math.min(len, CHUNK));
  },
  closeSync(fd: number): void {
    slow.delete(fd);
    closeSync(fd);
  },
  renameSync(from: string, to: string): void {
    renameSync(from, to);
    if (arg.snapshots && path.basename(to) === 'checkpoint.safetensors') {
      const k = fs.readdirSync(arg.snapshots).length + 1;
      fs.copyFileSync(to, path.join(arg.snapshots, `epoch-${k}.safetensors`));
    }
  },
});
syncBuiltinESMExports();

const { pretrain } = await import('../../src/train/pretrain.js');
await pretrain(
  {
    method: 'simclr',
    data: arg.data,
    out: arg.out,
    size: 32,
    epochs: arg.epochs,
    batchSize: 8,
    checkpointEvery: 1,
    encoder: { widths: [4, 8] },
  },
  { progress: 'quiet' },
);
