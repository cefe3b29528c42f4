/**
 * Which weights fine-tuning keeps. 'last': the last epoch's (the papers' fixed schedules; no label beyond the
 * training split is used). 'best-validation': the first epoch with the highest mean Dice on the inner validation
 * split (never the test fold), optionally stopping early; a copy of the best weights is held until the end.
 */
import { keep, noGrad, type nn, type Tensor } from '../engine/index.js';

export interface ValPoint {
  epoch: number;
  /** mean case Dice on split.val; null when no validation case had a class to score */
  dice: number | null;
}

export interface SelectionState {
  best: { epoch: number; dice: number | null };
  valCurve: ValPoint[];
  sinceBest: number;
}

export class CheckpointSelection {
  best: { epoch: number; dice: number | null } = { epoch: -1, dice: null };
  valCurve: ValPoint[] = [];
  sinceBest = 0;
  private weights: Map<string, Tensor> | null = null;

  constructor(readonly patience: number) {}

  /** Records one validation result; true when early stopping says to stop. */
  record(epoch: number, dice: number | null, model: nn.Module): boolean {
    this.valCurve.push({ epoch, dice });
    if (dice !== null && (this.best.dice === null || dice > this.best.dice)) {
      this.weights?.forEach((t) => t.dispose());
      this.weights = new Map([...model.stateDict()].map(([k, t]) => [k, noGrad(() => t.detach().clone())]));
      for (const t of this.weights.values()) t.kept = true;
      this.best = { epoch, dice };
      this.sinceBest = 0;
      return false;
    }
    return this.patience > 0 && ++this.sinceBest >= this.patience;
  }

  /** the best weights, for the checkpoint (keys without prefix) */
  bestWeights(): ReadonlyMap<string, Tensor> {
    return this.weights ?? new Map();
  }

  state(): SelectionState {
    return { best: { ...this.best }, valCurve: this.valCurve, sinceBest: this.sinceBest };
  }

  /** restores from a checkpoint (best weights stored under `best.` in its tensors) */
  restore(s: SelectionState, tensors: ReadonlyMap<string, Tensor>): void {
    const weights = new Map<string, Tensor>();
    for (const [k, t] of tensors) if (k.startsWith('best.')) weights.set(k.slice(5), keep(t));
    // checkpoints of earlier versions stored "no best yet" as epoch -1 with dice -Infinity (JSON null)
    this.best = s.best.epoch < 0 ? { epoch: -1, dice: null } : { ...s.best };
    this.valCurve = s.valCurve;
    this.sinceBest = s.sinceBest;
    this.weights = weights.size ? weights : null;
  }

  /** Loads the best weights into the model (when any validation scored); true when it did. Frees the copy. */
  applyBest(model: nn.Module): boolean {
    const w = this.weights;
    if (w) model.loadStateDict(w);
    w?.forEach((t) => t.dispose());
    this.weights = null;
    return w !== null;
  }
}
