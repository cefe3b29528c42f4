/**
 * Where a run computes: 'cpu' (the default), 'cuda' (the current CUDA device, cuda:0) or 'cuda:N'. A config says it
 * in its `device` field (deviceField: checked by form when the config is parsed); a run resolves it once, at its
 * start (resolveDevice), against the CUDA devices the linked libtorch sees, so a request this build cannot serve
 * fails before any work with the field named. Then (docs/devices.md):
 * - modules are moved to the device after they are built or loaded (Module.to),
 * - the run's steps execute inside `onDevice(device, fn)`: every tensor created there without an explicit device
 *   (batches, masks, labels, queues, constants) is made on the device — PyTorch's `with torch.device(...)` —,
 * - values read back to JS (losses, metrics) and checkpoints go through CPU copies (Tensor.data()/toBuffer), so a
 *   checkpoint is device-independent and loads on any device.
 * Outside any onDevice scope tensors are made on the CPU, as before.
 */
import { z } from 'zod';
import { N } from './native.js';
import type { Tensor } from './tensor.js';

/** 'cpu', 'cuda' or 'cuda:N' (N a non-negative integer without leading zeros) */
const DEVICE_FORM = /^(cpu|cuda(:(0|[1-9][0-9]*))?)$/;

export const DEFAULT_DEVICE = 'cpu';

/** Whether `s` is a device medcl accepts: 'cpu', 'cuda' or 'cuda:N'. */
export function isDeviceString(s: string): boolean {
  return DEVICE_FORM.test(s);
}

/**
 * The zod field of every run config: 'cpu' | 'cuda' | 'cuda:N', absent = 'cpu'. The form is checked here; whether
 * the machine has that device is checked when the run starts (resolveDevice).
 */
export const deviceField = z
  .string()
  .refine(isDeviceString, { message: "must be 'cpu', 'cuda' or 'cuda:N' (N = 0, 1, ...)" })
  .default(DEFAULT_DEVICE);

/** 'cpu' or 'cuda': the device type (what autocast and the precision choice key on). */
export function deviceType(device: string): 'cpu' | 'cuda' {
  return device.startsWith('cuda') ? 'cuda' : 'cpu';
}

export interface ResolveDeviceOptions {
  /** names the setting in errors ("<field> cuda:1 requested but ..."): '--device', 'experiment: device' (default 'device') */
  field?: string;
  /** CUDA devices to check against (default: what the linked libtorch sees; tests pass a number) */
  cudaDevices?: number;
}

/**
 * A device setting (absent: 'cpu') checked against this machine: 'cuda' becomes 'cuda:0'; throws, naming the field,
 * when the form is wrong, when libtorch sees no CUDA device, or when N is out of range.
 */
export function resolveDevice(setting: string | undefined, opts: ResolveDeviceOptions = {}): string {
  const field = opts.field ?? 'device';
  const s = setting ?? DEFAULT_DEVICE;
  if (!isDeviceString(s)) throw new Error(`${field}: must be 'cpu', 'cuda' or 'cuda:N' (N = 0, 1, ...), got "${s}"`);
  if (s === 'cpu') return s;
  const count = opts.cudaDevices ?? (N.cudaDeviceCount() as number);
  const index = s === 'cuda' ? 0 : Number(s.slice(5));
  if (count === 0)
    throw new Error(
      `${field} ${s} requested but this libtorch sees 0 CUDA devices (built without CUDA?); ` +
        `use 'cpu', or build medcl against a CUDA libtorch (docs/devices.md)`,
    );
  if (index >= count)
    throw new Error(
      `${field} ${s} requested but this libtorch sees ${count} CUDA device${count === 1 ? '' : 's'} ` +
        `(cuda:0${count > 1 ? ` to cuda:${count - 1}` : ''})`,
    );
  return `cuda:${index}`;
}

/** A config whose device is resolved: what a run uses and writes to config.json. */
export function withResolvedDevice<C extends { device?: string | undefined }>(
  cfg: C,
  field = 'device',
): Omit<C, 'device'> & { device: string } {
  return { ...cfg, device: resolveDevice(cfg.device, { field }) };
}

let current: string | null = null;

/** The device tensors are made on when their creation names none: the innermost onDevice scope's, else 'cpu'. */
export function currentDevice(): string {
  return current ?? DEFAULT_DEVICE;
}

/**
 * Runs `fn` with `device` as the device of every tensor created without an explicit one (creation and random
 * functions); scopes nest and the previous device comes back after `fn`, thrown or not. `fn` must be synchronous:
 * the scope would not follow an await.
 */
export function onDevice<T>(device: string, fn: () => T): T {
  const prev = current;
  current = device;
  try {
    const out = fn();
    if (out instanceof Promise) throw new Error('onDevice: the function must be synchronous (a scope ends at await)');
    return out;
  } finally {
    current = prev;
  }
}

/**
 * The device of a module's first parameter or buffer: where its inputs belong ('cpu' for a network without tensors,
 * or a function that is no nn.Module).
 */
export function moduleDevice(m: { parameters?(): Tensor[]; buffers?(): Tensor[] }): string {
  return (m.parameters?.()[0] ?? m.buffers?.()[0])?.device ?? DEFAULT_DEVICE;
}
