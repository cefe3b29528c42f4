/** What a finished pre-training run leaves besides its checkpoint: encoder.safetensors and summary.json. */
import path from 'node:path';
import { saveSafetensors } from '../engine/index.js';
import type { Batch } from '../samplers/sampler.js';
import type { JsonlLog } from './run-state.js';
import { writeJson } from './run-folder.js';
import type { PretrainLoopOptions } from './pretrain-settings.js';
import type { LoopState } from './pretrain-state.js';

function lastLoggedLoss(log: JsonlLog): number | null {
  const loss = log.read().at(-1)?.['loss'];
  return typeof loss === 'number' ? loss : null;
}

/** encoder.safetensors and summary.json of a finished run (rank 0 writes them); returns the encoder file. */
export function writeOutputs<B extends Batch<unknown>>(
  out: string,
  s: LoopState<B>,
  losses: readonly number[],
  options: PretrainLoopOptions<B>,
): string {
  const encoderFile = path.join(out, 'encoder.safetensors');
  if (!s.pt.isMain) return encoderFile;
  saveSafetensors(encoderFile, s.run.modules['encoder']!.stateDict(), {
    method: s.cfg.method,
    ...options.encoderMetadata,
    source: s.ckptFile,
  });
  // a re-run of a finished run trains no step: its final loss is the log's last one
  const finalLoss = losses.at(-1) ?? lastLoggedLoss(s.log);
  const summary = { method: s.cfg.method, epochs: s.cfg.epochs, steps: s.step, finalLoss };
  writeJson(path.join(out, 'summary.json'), { ...summary, ...options.summary });
  return encoderFile;
}
