/**
 * ONNX emitters for the U-Net family (src/models/blocks.ts, unet.ts, polycl-unet.ts): conv-norm-activation
 * (BatchNorm folded into the conv), the double conv, the encoder's stages with 2×2 max-pooling, medcl's U-Net
 * decoder (transposed 2×2 convs, or 1×1 conv + bilinear resize, then [skip, up]) and PolyCL's (bilinear with
 * align_corners = true, then [up, skip]). Dropout is the identity in inference.
 */
import { nn } from '../engine/index.js';
import { ConvNormAct, DoubleConv } from '../models/blocks.js';
import type { PolyCLUNet } from '../models/polycl-unet.js';
import type { UNet, UNetEncoder } from '../models/unet.js';
import { attrInt, type GraphBuilder } from './graph.js';
import { emitActivation, emitConv, emitConvTranspose, emitMaxPool, emitNorm, unsupported } from './layers.js';
import { resizeBilinearLike } from './shape-ops.js';

export function emitConvNormAct(g: GraphBuilder, m: ConvNormAct, x: string): string {
  let y: string;
  if (m.norm instanceof nn.BatchNorm2d) y = emitConv(g, m.conv, x, m.norm);
  else {
    y = emitConv(g, m.conv, x);
    if (m.norm) y = emitNorm(g, m.norm, y);
  }
  return emitActivation(g, m.opts.activation, y, `${g.pathOf(m)}.act`);
}

export function emitDoubleConv(g: GraphBuilder, m: DoubleConv, x: string): string {
  if (!(m.a instanceof ConvNormAct) || !(m.b instanceof ConvNormAct)) throw unsupported(g, m);
  return emitConvNormAct(g, m.b, emitConvNormAct(g, m.a, x));
}

/** every stage's output, finest first (UNetEncoder.features) */
export function emitUNetFeatures(g: GraphBuilder, enc: UNetEncoder, x: string): string[] {
  const out: string[] = [];
  let h = x;
  enc.stages.forEach((stage, i) => {
    if (i > 0) h = emitMaxPool(g, h, { kernelSize: 2 }, `${g.pathOf(stage)}.pool`);
    h = emitDoubleConv(g, stage, h);
    out.push(h);
  });
  return out;
}

/** the bottleneck (UNetEncoder.forward) */
export function emitUNetEncoder(g: GraphBuilder, enc: UNetEncoder, x: string): string {
  return emitUNetFeatures(g, enc, x).at(-1)!;
}

type UpStage = UNet['decoder'][number];

function emitUpStage(g: GraphBuilder, stage: UpStage, x: string, skip: string): string {
  const name = g.pathOf(stage);
  let up: string;
  if (stage.up) up = emitConvTranspose(g, stage.up, x);
  else if (stage.reduce) up = resizeBilinearLike(g, emitConv(g, stage.reduce, x), skip, false, `${name}.resize`);
  else throw unsupported(g, stage);
  const joined = g.op('Concat', [skip, up], `${name}.cat`, [attrInt('axis', 1)]);
  return emitDoubleConv(g, stage.conv, joined);
}

/** medcl's U-Net: logits (N, classes, H, W) */
export function emitUNet(g: GraphBuilder, m: UNet, x: string): string {
  const feats = emitUNetFeatures(g, m.encoder, x);
  let h = feats.at(-1)!;
  m.decoder.forEach((stage, j) => {
    h = emitUpStage(g, stage, h, feats[feats.length - 2 - j]!);
  });
  return emitConv(g, m.head, h);
}

/** PolyCL's U-Net: logits (N, classes, H, W) */
export function emitPolyCLUNet(g: GraphBuilder, m: PolyCLUNet, x: string): string {
  const feats = emitUNetFeatures(g, m.encoder, x);
  let h = feats.at(-1)!;
  m.decoder.forEach((stage, j) => {
    const name = g.pathOf(stage);
    const up = resizeBilinearLike(g, h, feats[feats.length - 2 - j]!, true, `${name}.resize`);
    const joined = g.op('Concat', [up, feats[feats.length - 2 - j]!], `${name}.cat`, [attrInt('axis', 1)]);
    h = emitDoubleConv(g, stage.conv, joined);
  });
  return emitConv(g, m.head, h);
}
