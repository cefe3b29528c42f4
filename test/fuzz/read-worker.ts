// Worker of the fuzz test: reads each file it is sent and answers with the image's fingerprint or the thrown value,
// so that the test thread can time each read out and survive a crash (the worker dies, the test does not).
import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import type { Image } from '../../src/io/image.js';
import { readImage } from '../../src/io/read.js';

export interface Job {
  id: number;
  path: string;
}

export type Answer =
  | { id: number; phase: 'start' }
  | { id: number; phase: 'ok'; fingerprint: string }
  | { id: number; phase: 'threw'; isError: boolean; message: string };

/** dtype, shape, geometry and a hash of the voxels: equal fingerprints mean equal reads. */
export function fingerprint(img: Image): string {
  const bytes = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  const hash = createHash('sha256').update(bytes).digest('hex');
  const { shape, spacing, origin, direction } = img;
  return JSON.stringify({ type: img.data.constructor.name, shape, spacing, origin, direction, hash });
}

const quiet = { onWarning: (): void => undefined };

async function run(jobs: Job[]): Promise<void> {
  for (const { id, path } of jobs) {
    parentPort?.postMessage({ id, phase: 'start' } satisfies Answer);
    let answer: Answer;
    try {
      answer = { id, phase: 'ok', fingerprint: fingerprint(await readImage(path, { nifti: quiet, dicom: quiet })) };
    } catch (err) {
      answer = {
        id,
        phase: 'threw',
        isError: err instanceof Error,
        message: err instanceof Error ? err.message : String(err),
      };
    }
    parentPort?.postMessage(answer);
  }
}

parentPort?.on('message', (jobs: Job[]) => void run(jobs));
