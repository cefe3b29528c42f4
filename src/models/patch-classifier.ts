/**
 * DrasCLR's patch classifier (Yu et al. §4.3.1): the pre-trained (or random) Loc-CondConv encoder with a linear
 * classifier on its representation, one logit per patch. Its training and cross-validation: src/eval/patch-finetune.ts.
 */
import { nn, noGrad, tidy, type Tensor } from '../engine/index.js';
import type { DrasclrEncoder } from './drasclr-encoder.js';
import type { LandmarkLocation } from './loc-cond-conv.js';

/** The pre-trained (or random) DrasCLR encoder with a linear classifier on its representation: one logit per patch. */
export class PatchClassifier extends nn.Module {
  readonly encoder: DrasclrEncoder;
  readonly fc: nn.Linear;

  constructor(encoder: DrasclrEncoder) {
    super();
    this.encoder = this.registerModule('encoder', encoder);
    const device = encoder.blocks[0]!.conv.weight.device;
    this.fc = this.registerModule('fc', new nn.Linear(encoder.representationDim, 1, { device }));
  }

  /** logits [B] of patches x [B, 1, d, d, d] of ONE landmark with location p */
  override forward(x: Tensor, p: LandmarkLocation): Tensor {
    return tidy(() => this.fc.forward(this.encoder.encode(x, p)).reshape(-1));
  }

  /** P(lesion) of each patch, without gradients, in the module's current mode */
  probabilities(x: Tensor, p: LandmarkLocation): Float32Array {
    return noGrad(() => tidy(() => this.forward(x, p).sigmoid().float().toFloat32Array()));
  }

  /** the fine-tuned parameters: the encoder (all layers) and the classifier; not the unused projection head */
  trainableParameters(): Tensor[] {
    return this.namedParameters()
      .filter(([name]) => !name.startsWith('encoder.head.'))
      .map(([, t]) => t);
  }

  /** the encoder parameters that fine-tuning trains (no projection head, no classifier), by name */
  encoderParameters(): [string, Tensor][] {
    return this.encoder.namedParameters().filter(([name]) => !name.startsWith('head.'));
  }
}
