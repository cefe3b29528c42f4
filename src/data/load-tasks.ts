/**
 * The tasks of the loader's worker threads (src/data/load-worker.ts) and how each one runs: an item of a slice data
 * set read and preprocessed (loadSliceVolume), byte ranges of a file read (the DrasCLR patch store), or one scan of
 * DrasCLR's preparation (read, lung mask, registration to the atlas, patches; src/data/landmark-scan.ts). Results are
 * plain typed arrays, handed back to the main thread without a copy (transferred).
 */
import { open } from 'node:fs/promises';
import type { ManifestItem } from '../io/manifest.js';
import { PreprocessCache } from '../preprocess/cache.js';
import { errorMessage } from '../util/error-message.js';
import { prepareScanOutcome, type ScanContextData, type ScanOutcome } from './landmark-scan.js';
import { loadSliceVolume, type SliceVolume, type SliceVolumeSettings } from './slice-volume.js';

export interface SliceVolumeTask {
  kind: 'slice-volume';
  item: ManifestItem;
  settings: SliceVolumeSettings;
}

export interface ReadRangesTask {
  kind: 'read-ranges';
  file: string;
  /** [byte offset, byte length] of each range; the result holds them one after the other */
  ranges: [number, number][];
}

export interface DrasclrScanTask {
  kind: 'drasclr-scan';
  ctx: ScanContextData;
  item: ManifestItem;
}

export type LoadTask = SliceVolumeTask | ReadRangesTask | DrasclrScanTask;

/** what each task gives */
export interface LoadResults {
  'slice-volume': SliceVolume;
  'read-ranges': Uint8Array;
  'drasclr-scan': ScanOutcome;
}

/** Reads the ranges of `file` into one buffer (the ranges one after the other). */
export async function readRanges(file: string, ranges: readonly [number, number][]): Promise<Uint8Array> {
  const total = ranges.reduce((a, [, n]) => a + n, 0);
  const out = new Uint8Array(total);
  const fh = await open(file, 'r');
  try {
    let at = 0;
    for (const [offset, n] of ranges) {
      const { bytesRead } = await fh.read(out, at, n, offset);
      if (bytesRead !== n) throw new Error(`read ${bytesRead} of ${n} bytes at offset ${offset} (file truncated?)`);
      at += n;
    }
  } finally {
    await fh.close();
  }
  return out;
}

/** the file a task reads (a DrasCLR scan: its image) */
export function taskFile(task: LoadTask): string {
  return task.kind === 'read-ranges' ? task.file : task.item.image;
}

/** Runs one task; an error names the file it concerns. */
export async function runLoadTask(task: LoadTask): Promise<LoadResults[LoadTask['kind']]> {
  if (task.kind === 'drasclr-scan') {
    const { cacheDir, ...ctx } = task.ctx;
    return prepareScanOutcome({ ...ctx, cache: new PreprocessCache(cacheDir) }, task.item); // names its own file
  }
  const file = taskFile(task);
  try {
    if (task.kind === 'slice-volume') return await loadSliceVolume(task.item, task.settings);
    return await readRanges(task.file, task.ranges);
  } catch (e) {
    const msg = errorMessage(e);
    throw new Error(msg.includes(file) ? msg : `${file}: ${msg}`);
  }
}

/** the buffers of a result, to transfer rather than copy */
export function transferablesOf(result: LoadResults[LoadTask['kind']]): ArrayBuffer[] {
  if (result instanceof Uint8Array) return [result.buffer as ArrayBuffer];
  if ('ok' in result) {
    if (!result.ok) return [];
    const { slots, patches } = result.prepared.scan;
    return [slots.buffer as ArrayBuffer, patches.buffer as ArrayBuffer];
  }
  const out = [result.images.buffer as ArrayBuffer];
  if (result.labels) out.push(result.labels.buffer as ArrayBuffer);
  return out;
}
