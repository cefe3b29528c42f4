/**
 * The engine's hardware query: CPU features from /proc/cpuinfo text, GPU compute capabilities from nvidia-smi text,
 * and nativeBf16's decision on hand-made machines (Sapphire Rapids, Skylake, an Ampere and a Turing GPU).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CPU_FEATURES,
  cudaDeviceCount,
  hardware,
  nativeBf16,
  parseComputeCapabilities,
  parseCpuinfo,
  type CpuFeature,
  type Hardware,
} from '../../src/engine/index.js';

function machine(flags: CpuFeature[] | null, caps: number[] = []): Hardware {
  const features =
    flags === null
      ? null
      : (Object.fromEntries(CPU_FEATURES.map((f) => [f, flags.includes(f)])) as Hardware['cpu']['features']);
  return {
    cpu: { model: 'test', cores: 2, features },
    cuda: { devices: caps.length, computeCapabilities: caps },
    mkldnn: true,
  };
}

test('parseCpuinfo: the first model name and flags line; whole flags only', () => {
  const p = parseCpuinfo(
    'processor\t: 0\nmodel name\t: Xeon X\nflags\t\t: fpu avx2 amx_bf16 xavx512_bf16\n\nflags\t: avx512f\n',
  );
  assert.equal(p.model, 'Xeon X');
  assert.equal(p.features.avx2, true);
  assert.equal(p.features.amx_bf16, true);
  assert.equal(p.features.avx512_bf16, false, 'xavx512_bf16 is another flag');
  assert.equal(p.features.avx512f, false, 'only the first processor counts');
  assert.equal(parseCpuinfo('').model, null);
});

test('parseComputeCapabilities: one number per GPU line, anything else ignored', () => {
  assert.deepEqual(parseComputeCapabilities('9.0\n8.6\n'), [9, 8.6]);
  assert.deepEqual(parseComputeCapabilities('No devices were found\n'), []);
});

test('nativeBf16: AMX or AVX512-BF16 on CPUs, compute capability >= 8.0 on the first GPU', () => {
  assert.equal(nativeBf16('cpu', machine(['avx2', 'amx_tile', 'amx_bf16'])).native, true);
  assert.equal(nativeBf16('cpu', machine(['avx512f', 'avx512_bf16'])).native, true);
  const skx = nativeBf16('cpu', machine(['avx2', 'avx512f', 'avx512_vnni']));
  assert.deepEqual(skx, { native: false, reason: 'CPU has neither AMX-BF16 nor AVX512-BF16' });
  assert.equal(nativeBf16('cpu', machine(null)).native, false, 'unknown features: not native');
  assert.equal(nativeBf16('cuda', machine([], [8.0])).native, true);
  assert.equal(nativeBf16('cuda:0', machine(['amx_bf16'], [7.5, 9.0])).native, false, 'the first GPU decides');
  assert.equal(nativeBf16('cuda', machine(['amx_bf16'])).native, false, 'no GPU');
});

test('hardware(): this machine, read once; libtorch decides the CUDA device count', () => {
  const hw = hardware();
  assert.equal(hardware(), hw, 'kept');
  assert.equal(hw.cuda.devices, cudaDeviceCount());
  assert.ok(hw.cpu.cores >= 1);
  if (hw.cuda.devices === 0) assert.deepEqual(hw.cuda.computeCapabilities, []);
});
