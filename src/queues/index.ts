/**
 * Queues and momentum encoders: MoCo's labelled FIFO queue, DrasCLR's per-landmark banks, the EMA key encoder, and
 * PIRL's memory bank.
 */
export { LabelledQueue, EMPTY_LABEL, type KeyDType, type LabelledQueueOptions } from './fifo-queue.js';
export { MomentumEncoder, MOCO_MOMENTUM, type MomentumEncoderOptions, type MomentumSchedule } from './momentum.js';
export {
  LandmarkBanks,
  landmarkBanksMemory,
  formatBytes,
  DRASCLR_QUEUE_SIZE,
  DRASCLR_KEY_DIM,
  EMPTY_PATIENT,
  type LandmarkBanksOptions,
  type LandmarkBanksMemory,
} from './landmark-banks.js';
export { MemoryBank, PIRL_BANK_MOMENTUM, type MemoryBankOptions } from './memory-bank.js';
