/**
 * The encoder f a pre-training run trains, by backbone (CL-TCI's Table I has a U-Net row and a DeepLabV3+ row):
 * - 'unet': medcl's U-Net encoder (docs/methods.md §4) (conv-BN-LeakyReLU ×2 per stage) with the run config's `encoder`
 *   settings;
 * - 'deeplabv3plus': the ResNet-50 that fine-tuning's `deeplabv3plus` model uses as its backbone (1-channel stem,
 *   layer4 dilated for output stride 16; src/models/deeplab.ts), so that a pre-training run's encoder.safetensors
 *   fills every backbone tensor of that model (its ASPP and decoder stay random). The `encoder` settings (U-Net
 *   widths, norm, slope, dropout) do not apply to it.
 *
 * ```ts
 * const f = buildBackboneEncoder('deeplabv3plus', cfg.encoder); // ResNet-50, f.outChannels === 2048
 * const model = segmentationModelFor('deeplabv3plus', false);   // 'deeplabv3plus': the fine-tuning model
 * ```
 */
import { UNetEncoder } from './unet.js';
import type { NormKind } from './blocks.js';
import type { ResNet } from './resnet.js';
import { deeplabBackbone } from './deeplab.js';

export const BACKBONES = ['unet', 'deeplabv3plus'] as const;
export type Backbone = (typeof BACKBONES)[number];

/** A pre-training encoder: forward(x) gives its last feature map (N, outChannels, h, w). */
export type BackboneEncoder = UNetEncoder | ResNet;

/** The U-Net settings of a run config (src/methods/config.ts's `encoder`). */
export interface UNetEncoderSettings {
  widths: number[];
  norm: NormKind;
  /** LeakyReLU slope; 0 = ReLU */
  slope: number;
  dropout: number;
}

export function isBackbone(v: unknown): v is Backbone {
  return typeof v === 'string' && (BACKBONES as readonly string[]).includes(v);
}

function checkBackbone(backbone: unknown): Backbone {
  if (!isBackbone(backbone)) {
    throw new Error(`backbone: unknown value ${JSON.stringify(backbone)} (known: ${BACKBONES.join(', ')})`);
  }
  return backbone;
}

/** medcl's U-Net encoder with these settings (1 input channel). */
export function unetEncoder(e: UNetEncoderSettings): UNetEncoder {
  return new UNetEncoder({
    inChannels: 1,
    widths: e.widths,
    norm: e.norm,
    activation: e.slope > 0 ? { kind: 'leakyRelu', slope: e.slope } : { kind: 'relu' },
    dropout: e.dropout || undefined,
  });
}

/**
 * The encoder of `backbone`: the U-Net encoder with `unet`'s settings, or DeepLabV3+'s ResNet-50 (exactly
 * `new DeepLabV3Plus({ numClasses })`'s `backbone`: 1 input channel, output stride 16, 2048 output channels).
 */
export function buildBackboneEncoder(backbone: Backbone, unet: UNetEncoderSettings): BackboneEncoder {
  if (checkBackbone(backbone) === 'deeplabv3plus') return deeplabBackbone({ inChannels: 1 });
  return unetEncoder(unet);
}

/**
 * The fine-tuning model (src/models/registry.ts's name) whose encoder a pre-training run with this backbone trained:
 * 'unet' -> 'unet' ('polycl-unet' for the PolyCL methods), 'deeplabv3plus' -> 'deeplabv3plus'. PolyCL pre-trains
 * its own U-Net encoder only, so `polycl` with 'deeplabv3plus' is an error.
 */
export function segmentationModelFor(backbone: Backbone, polycl: boolean): 'unet' | 'deeplabv3plus' | 'polycl-unet' {
  if (checkBackbone(backbone) === 'deeplabv3plus') {
    if (polycl) {
      throw new Error(
        "backbone 'deeplabv3plus' cannot be used with the PolyCL methods (polycl-s, polycl-o): they pre-train " +
          "PolyCL's U-Net encoder; use backbone 'unet'",
      );
    }
    return 'deeplabv3plus';
  }
  return polycl ? 'polycl-unet' : 'unet';
}
