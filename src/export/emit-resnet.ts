/**
 * ONNX emitters for the ResNet encoder (src/models/resnet.ts, torchvision's layout): the stem conv 7×7/2 + BN + ReLU
 * and 3×3/2 max-pool, then four stages of residual blocks, each relu(residual(x) + shortcut(x)) with every BN
 * folded into its conv (the shortcut's 1×1 conv + BN too).
 */
import { nn } from '../engine/index.js';
import { BasicBlock, Bottleneck, type ResNet } from '../models/resnet.js';
import type { GraphBuilder } from './graph.js';
import { emitConv, emitLayer, emitMaxPool, unsupported } from './layers.js';

/** conv → folded BN → ReLU */
function convBnRelu(g: GraphBuilder, conv: nn.Conv2d, bn: nn.BatchNorm2d, x: string): string {
  return g.op('Relu', [emitConv(g, conv, x, bn)], `${g.pathOf(bn)}.relu`);
}

function emitBlock(g: GraphBuilder, block: nn.Module, x: string): string {
  let out: string;
  if (block instanceof Bottleneck) {
    const a = convBnRelu(g, block.conv1, block.bn1, x);
    const b = convBnRelu(g, block.conv2, block.bn2, a);
    out = emitConv(g, block.conv3, b, block.bn3);
  } else if (block instanceof BasicBlock) {
    out = emitConv(g, block.conv2, convBnRelu(g, block.conv1, block.bn1, x), block.bn2);
  } else throw unsupported(g, block);
  const identity = block.downsample ? emitLayer(g, block.downsample, x) : x;
  const name = g.pathOf(block);
  return g.op('Relu', [g.op('Add', [out, identity], `${name}.add`)], `${name}.relu`);
}

function emitStage(g: GraphBuilder, stage: nn.Sequential, x: string): string {
  return stage.layers.reduce((h, block) => emitBlock(g, block, h), x);
}

/** layer1's output (DeepLabV3+'s low-level features) and layer4's (ResNet.features) */
export function emitResNetFeatures(g: GraphBuilder, m: ResNet, x: string): { lowLevel: string; highLevel: string } {
  const stem = convBnRelu(g, m.conv1, m.bn1, x);
  const pooled = emitMaxPool(g, stem, { kernelSize: 3, stride: 2, padding: 1 }, `${g.pathOf(m.conv1)}.pool`);
  const lowLevel = emitStage(g, m.layer1, pooled);
  const highLevel = [m.layer2, m.layer3, m.layer4].reduce((h, stage) => emitStage(g, stage, h), lowLevel);
  return { lowLevel, highLevel };
}

/** layer4's output (ResNet.forward) */
export function emitResNet(g: GraphBuilder, m: ResNet, x: string): string {
  return emitResNetFeatures(g, m, x).highLevel;
}
