// Public face of src/io: readers, writers and the Image type. Add one line per module.
export * from './image.js';
export * from './errors.js';
export * from './affine.js';
export * from './orient.js';
export * from './grey.js';
export * from './nifti.js';
export * from './dicom.js';
export * from './png.js';
export * from './itk.js';
export * from './read.js';
export * from './manifest.js';
export * from './csv.js';
export * from './csv-write.js';
export * from './import-dataset.js';
export * from './geometry.js';
