/**
 * The `--device` option of every command that runs a network: the `device` field of its schema
 * (src/engine/device.ts: 'cpu' | 'cuda' | 'cuda:N', default 'cpu'), resolved when the work starts (a CUDA device this
 * libtorch does not see is refused before any work, naming --device).
 */
import type { OptionSpec } from './options.js';

export const DEVICE_OPTION: OptionSpec = {
  description: 'where to compute: cpu | cuda | cuda:N (a CUDA device needs a CUDA libtorch: docs/devices.md)',
  value: '<device>',
};
