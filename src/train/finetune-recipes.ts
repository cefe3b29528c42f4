/**
 * Each paper's fine-tuning recipe, as overrides of the fine-tuning config (finetune-config.ts). All three use Adam
 * (the only optimiser fine-tuning has) and keep the last epoch's weights (selection 'last': the papers' schedules
 * are fixed). The model is not part of a recipe: it follows the pre-trained encoder (PolyCL's encoder only fits
 * model 'polycl-unet').
 */
import type { FinetuneInput } from './finetune-config.js';
import type { FinetuneRecipeName } from '../methods/method.js';

export type { FinetuneRecipeName } from '../methods/method.js';

export const FINETUNE_RECIPES: Record<FinetuneRecipeName, Partial<FinetuneInput>> = {
  // CL-TCI (Zeng et al. 2021, §IV-A): "trained for 200 epochs with a batch size of 10. Adam optimizer is used
  // and the learning rate is set to 5e-5 with cosine scheduler"; cross-entropy (docs/methods.md §4); "rotation,
  // translation, and scale are used in both the pre-training and fine-tuning stages" (+ the left/right-swapping flip)
  cltci: { lr: 5e-5, batchSize: 10, epochs: 200, loss: 'ce', schedule: 'cosine', augment: 'cltci' },
  // PCL (Zeng et al., MICCAI 2021, §4.1): "we train the U-Net with cross-entropy loss for 100 epochs. The batch size
  // is set to 5 and the learning rate is 5e-5. Adam optimizer and cosine scheduler are used"; "translation,
  // rotation, and scale ... in both the pre-training and fine-tuning stages"
  pcl: { lr: 5e-5, batchSize: 5, epochs: 100, loss: 'ce', schedule: 'cosine', augment: 'pcl' },
  // PolyCL (Moseley & Imran, §2.2, §3.1): "fine-tune the entire model ... using a Dice-based loss"; "a learn
  // rate of 0.001 and batch size of 10 was used for the segmentation fine-tuning"; "100 epochs with cosine-annealing
  // learn rate scheduler with warm restarts after every 10 epochs"; no augmentation is stated (its pre-training
  // works "without ... data augmentations"), so none
  polycl: {
    lr: 1e-3,
    batchSize: 10,
    epochs: 100,
    loss: 'dice',
    schedule: 'cosine-restarts',
    restartEpochs: 10,
    augment: 'none',
  },
};
