/**
 * ONNX export and ONNX Runtime inference: medcl's networks as ONNX models (opset 17, BatchNorm folded, the
 * preprocessing in the metadata) and a segmenter that runs them with onnxruntime-node (docs/deploy.md).
 */
export * from './graph.js';
export * from './bn-fold.js';
export * from './layers.js';
export * from './shape-ops.js';
export * from './emit-unet.js';
export * from './emit-resnet.js';
export * from './emit-deeplab.js';
export * from './metadata.js';
export * from './writer.js';
export * from './reader.js';
export * from './export-model.js';
export * from './onnx-runtime.js';
