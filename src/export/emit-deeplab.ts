/**
 * ONNX emitters for DeepLabV3+ (src/models/deeplab.ts): ASPP's 1×1 and atrous 3×3 branches and its image-pooling
 * branch (global average → 1×1 conv-BN-ReLU → broadcast back), concatenated and projected; the decoder's low-level
 * projection, the ASPP output resized to it, the 3×3 convs, the classifier and the final resize to the input size
 * (bilinear, align_corners = false). ASPP's dropout is the identity in inference.
 */
import type { ASPP, DeepLabV3Plus } from '../models/deeplab.js';
import { attrInt, type GraphBuilder } from './graph.js';
import { emitConv } from './layers.js';
import { emitConvNormAct } from './emit-unet.js';
import { emitResNetFeatures } from './emit-resnet.js';
import { broadcastLike, resizeBilinearLike } from './shape-ops.js';

export function emitASPP(g: GraphBuilder, m: ASPP, x: string): string {
  const name = g.pathOf(m);
  const branches = m.convs.items.map((b) => emitConvNormAct(g, b, x));
  const pooled = g.op('GlobalAveragePool', [x], `${g.pathOf(m.pooling)}.gap`);
  const p = emitConvNormAct(g, m.pooling, pooled);
  branches.push(broadcastLike(g, p, x, `${g.pathOf(m.pooling)}.broadcast`));
  const joined = g.op('Concat', branches, `${name}.cat`, [attrInt('axis', 1)]);
  return emitConvNormAct(g, m.project, joined);
}

/** logits (N, classes, H, W) at the input's size */
export function emitDeepLabV3Plus(g: GraphBuilder, m: DeepLabV3Plus, x: string): string {
  const { lowLevel, highLevel } = emitResNetFeatures(g, m.backbone, x);
  const a = emitASPP(g, m.aspp, highLevel);
  const low = emitConvNormAct(g, m.lowLevelProject, lowLevel);
  const up = resizeBilinearLike(g, a, low, false, `${g.pathOf(m.aspp)}.resize`);
  let h = g.op('Concat', [low, up], `${g.pathOf(m.decoder)}.cat`, [attrInt('axis', 1)]);
  for (const conv of m.decoder.items) h = emitConvNormAct(g, conv, h);
  const logits = emitConv(g, m.classifier, h);
  return resizeBilinearLike(g, logits, x, false, `${g.pathOf(m.classifier)}.resize`);
}
