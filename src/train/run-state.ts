/**
 * Pieces shared by the pre-training and fine-tuning loops: bundling named modules into one checkpointable module,
 * per-step seeds (so a resumed run draws exactly the numbers the uninterrupted one would), JSONL logs that are
 * truncated back to the checkpoint on resume, and the NaN/Inf guard.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { nn, type Tensor } from '../engine/index.js';

/** Several named modules as one (its state dict keys are "<name>.<key>"). */
export class ModuleBundle extends nn.Module {
  constructor(modules: Record<string, nn.Module>) {
    super();
    for (const [name, m] of Object.entries(modules)) this.registerModule(name, m);
  }
  forward(): never {
    throw new Error('ModuleBundle has no forward');
  }
}

export { stepSeed } from '../util/step-seed.js';

export class NonFiniteLossError extends Error {
  constructor(
    readonly epoch: number,
    readonly batch: number,
    readonly value: number,
    checkpoint: string | null,
  ) {
    super(
      `loss became ${value} at epoch ${epoch}, batch ${batch}; training stopped. ` +
        (checkpoint
          ? `The last good checkpoint is ${checkpoint} (the same command resumes from it; a run with another ` +
            'learning rate starts over with --restart).'
          : 'No checkpoint had been written yet.'),
    );
  }
}

/** JSON-lines log: one object per line; `truncateAfter` drops lines past a step (resume). */
export class JsonlLog {
  constructor(
    readonly file: string,
    private readonly warn: (message: string) => void = (m) => console.warn(m),
  ) {}
  append(record: Record<string, unknown>): void {
    appendFileSync(this.file, JSON.stringify(record) + '\n');
  }
  /**
   * The records; a last line without its newline that is not JSON was cut by a kill mid-write: it is dropped with a
   * warning (and removed by the next truncateAfter). A bad line elsewhere is an error.
   */
  read(): Record<string, unknown>[] {
    if (!existsSync(this.file)) return [];
    const text = readFileSync(this.file, 'utf8');
    const lines = text.split('\n');
    const partial = text.endsWith('\n') ? null : lines.length - 1;
    const out: Record<string, unknown>[] = [];
    lines.forEach((l, i) => {
      if (l.trim().length === 0) return;
      try {
        out.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        if (i !== partial) throw new Error(`${this.file}: line ${i + 1} is not JSON`);
        this.warn(`${this.file}: line ${i + 1} is a partial record (a run killed mid-write?): dropped`);
      }
    });
    return out;
  }
  /** keeps only the records whose `step` is <= `step` */
  truncateAfter(step: number): void {
    const kept = this.read().filter((r) => typeof r['step'] === 'number' && (r['step'] as number) <= step);
    writeFileSync(this.file, kept.map((r) => JSON.stringify(r)).join('\n') + (kept.length ? '\n' : ''));
  }
}

/** The loss as a number, or the NaN/Inf guard's error. */
export function checkedLoss(loss: Tensor, epoch: number, batch: number, lastCheckpoint: string | null): number {
  const v = loss.item();
  if (!Number.isFinite(v)) throw new NonFiniteLossError(epoch, batch, v, lastCheckpoint);
  return v;
}
