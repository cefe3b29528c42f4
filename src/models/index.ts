/**
 * Networks: the U-Net and its encoder, DeepLabV3+ on ResNet, PolyCL's U-Net, DrasCLR's Loc-CondConv encoder, heads,
 * the model registry (by name, with validated options) and saved segmentation models (weights + architecture JSON).
 */
export * from './blocks.js';
export * from './unet.js';
export * from './resnet.js';
export * from './deeplab.js';
export * from './polycl-unet.js';
export * from './loc-cond-conv.js';
export * from './drasclr-encoder.js';
export * from './heads.js';
export * from './backbones.js';
export * from './registry.js';
export * from './encoder-loading.js';
export * from './saved.js';
export * from './tensor-module.js';
export * from './patch-classifier.js';
