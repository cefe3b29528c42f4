export { saveSafetensors, loadSafetensors, type SafetensorsFile } from './safetensors.js';
export { saveCheckpoint, loadCheckpoint, type CheckpointParts, type LoadedCheckpoint } from './checkpoint.js';
export { writeFileAtomic } from './atomic.js';
export { ensureDir } from './ensure-dir.js';
export { nonFiniteTensors, describeNonFinite, NonFiniteStateError, type NonFiniteTensor } from './finite.js';
