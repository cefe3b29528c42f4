/**
 * Before fine-tuning flips images: a manifest whose class names look like left/right pairs (src/data/left-right.ts)
 * that its `leftRightPairs` does not declare would be flipped without swapping those labels, teaching the network
 * that the left kidney may be on either side. The fine-tuning config has no separate flip switch (the flip is part
 * of the 'cltci' augmentation), so the experiment refuses, saying how to fix the manifest or the config.
 */
import type { Manifest } from '../io/manifest.js';
import type { FinetuneConfig } from '../train/finetune.js';
import { undeclaredLeftRightPairs } from '../data/left-right.js';

/** fine-tuning augmentations that flip left and right */
const FLIPPING: ReadonlySet<string> = new Set(['cltci']);

export function augmentFlips(augment: FinetuneConfig['augment']): boolean {
  return FLIPPING.has(augment);
}

/** Throws when fine-tuning would flip a manifest with undeclared left/right classes; returns the pairs otherwise. */
export function checkLeftRight(manifest: Manifest, finetune: FinetuneConfig): string[] {
  const pairs = undeclaredLeftRightPairs(manifest.classes ?? [], manifest.leftRightPairs);
  const named = pairs.map((p) => `"${p.leftName}" (${p.left}) / "${p.rightName}" (${p.right})`);
  if (pairs.length === 0 || !augmentFlips(finetune.augment)) return named;
  const json = JSON.stringify(pairs.map((p) => [p.left, p.right]));
  throw new Error(
    `experiment: ${manifest.source}: the classes ${named.join(', ')} look like left/right pairs, but the manifest's ` +
      `leftRightPairs does not list them, and fine-tuning augmentation '${finetune.augment}' flips images ` +
      'horizontally, which would mislabel them. Add "leftRightPairs": ' +
      `${json} to the manifest if they are left/right structures (the flip then swaps them), or fine-tune without ` +
      'the flip (finetune.augment "pcl" or "none").',
  );
}
