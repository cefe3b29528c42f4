/**
 * The losses of docs/methods.md §1 and the baselines: the multi-positive (SupCon) loss in-batch and against a labelled
 * queue, InfoNCE (SimCLR's NT-Xent and MoCo's form), PolyCL's triplet contrastive loss, rotation prediction, PIRL,
 * and the segmentation losses (soft Dice, cross-entropy, Dice + CE). Each is a function over engine tensors,
 * differentiable through autograd.
 */
export {
  supConLoss,
  supConQueueLoss,
  queuePositives,
  type SupConOptions,
  type SupConResult,
  type SupConQueueKeys,
  type SupConQueueOptions,
  type PositiveMask,
} from './supcon.js';
export { ntXentLoss, infoNCE, type NtXentOptions, type InfoNCEOptions } from './infonce.js';
export { tripletContrastiveLoss, type TripletContrastiveOptions } from './triplet.js';
export {
  rotate90,
  rotationBatch,
  rotationLoss,
  ROTATION_CLASSES,
  type RotationBatch,
  type RotationBatchOptions,
} from './rotation.js';
export { pirlLoss, PIRL_LAMBDA, PIRL_TAU, type PirlLossOptions, type PirlLossResult } from './pirl.js';
export { jigsawTiles, type JigsawOptions, type JigsawResult } from './jigsaw.js';
export {
  softDiceLoss,
  softDiceScores,
  diceCELoss,
  crossEntropy,
  type SoftDiceOptions,
  type DiceCEOptions,
} from './dice.js';
export { maskedLogSumExp, SUPCON_BASE_TEMPERATURE } from './masked-lse.js';
export * from './drasclr.js';
