/**
 * The training precision (issue 7): 'auto' is bf16-mixed where the CPU has AMX-BF16 or AVX512-BF16 (or the CUDA GPU
 * has compute capability >= 8.0), fp32 elsewhere; MEDCL_PRECISION overrides. Checked on hand-written /proc/cpuinfo
 * and nvidia-smi texts through the engine's hardware query. Parsing a config keeps the setting; a run resolves it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  choosePrecision,
  DEFAULT_PRECISION_SETTING,
  describePrecision,
  resolvePrecision,
  withResolvedPrecision,
} from '../../src/engine/precision.js';
import { resolvePretrainConfig } from '../../src/methods/resolve-config.js';
import { parseFinetuneConfig } from '../../src/train/finetune-config.js';
import {
  cudaIsAvailable,
  hardware,
  nativeBf16,
  parseComputeCapabilities,
  parseCpuinfo,
} from '../../src/engine/index.js';

/** the two bf16 flags of a /proc/cpuinfo text */
function cpuBf16Features(text: string): { amxBf16: boolean; avx512Bf16: boolean } {
  const f = parseCpuinfo(text).features;
  return { amxBf16: f.amx_bf16, avx512Bf16: f.avx512_bf16 };
}

// abridged /proc/cpuinfo of a Sapphire Rapids core (AMX + AVX512-BF16) and of a Skylake-SP core (neither)
const SAPPHIRE = `processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Platinum 8480+
flags\t\t: fpu vme sse sse2 avx avx2 fma avx512f avx512bw avx512_bf16 amx_bf16 amx_tile amx_int8 avx512_fp16
bugs\t\t: spectre_v1

processor\t: 1
flags\t\t: fpu vme sse sse2 avx avx2 fma avx512f avx512bw avx512_bf16 amx_bf16 amx_tile amx_int8
`;
const SKYLAKE = `processor\t: 0
model name\t: Intel(R) Xeon(R) Gold 6130
flags\t\t: fpu vme sse sse2 avx avx2 fma avx512f avx512bw avx512vl avx512_vnni
`;
const COOPER = `processor\t: 0
flags\t\t: fpu sse2 avx2 avx512f avx512_bf16 avx512_vnni
`;
// a flag that only contains the name must not count
const LOOKALIKE = `flags\t: fpu xamx_bf16 avx512_bf16x
`;

test('cpuBf16Features reads amx_bf16 and avx512_bf16 from the flags line', () => {
  assert.deepEqual(cpuBf16Features(SAPPHIRE), { amxBf16: true, avx512Bf16: true });
  assert.deepEqual(cpuBf16Features(SKYLAKE), { amxBf16: false, avx512Bf16: false });
  assert.deepEqual(cpuBf16Features(COOPER), { amxBf16: false, avx512Bf16: true });
  assert.deepEqual(cpuBf16Features(LOOKALIKE), { amxBf16: false, avx512Bf16: false });
  assert.deepEqual(cpuBf16Features(''), { amxBf16: false, avx512Bf16: false });
});

test('choosePrecision: bf16-mixed with AMX or AVX512-BF16, fp32 without, fp32 when /proc/cpuinfo is missing', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'medcl-cpuinfo-'));
  try {
    const file = (name: string, text: string): string => {
      const p = path.join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    const env = {};
    assert.equal(choosePrecision({ env, cpuinfoPath: file('spr', SAPPHIRE) }).precision, 'bf16-mixed');
    assert.equal(choosePrecision({ env, cpuinfoPath: file('cpl', COOPER) }).precision, 'bf16-mixed');
    const sky = choosePrecision({ env, cpuinfoPath: file('skx', SKYLAKE) });
    assert.equal(sky.precision, 'fp32');
    assert.match(sky.reason, /neither/);
    const missing = path.join(dir, 'absent');
    assert.equal(hardware(missing).cpu.features, null);
    assert.equal(nativeBf16('cpu', hardware(missing)).native, false);
    assert.equal(choosePrecision({ env, cpuinfoPath: missing }).precision, 'fp32');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('MEDCL_PRECISION overrides the detection; a bad value is an error naming the variable', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'medcl-cpuinfo-'));
  try {
    const spr = path.join(dir, 'spr');
    writeFileSync(spr, SAPPHIRE);
    assert.deepEqual(choosePrecision({ env: { MEDCL_PRECISION: 'fp32' }, cpuinfoPath: spr }), {
      precision: 'fp32',
      reason: 'MEDCL_PRECISION',
    });
    const sky = path.join(dir, 'skx');
    writeFileSync(sky, SKYLAKE);
    assert.equal(choosePrecision({ env: { MEDCL_PRECISION: 'bf16-mixed' }, cpuinfoPath: sky }).precision, 'bf16-mixed');
    assert.throws(() => choosePrecision({ env: { MEDCL_PRECISION: 'bf16' } }), /MEDCL_PRECISION.*"bf16"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('parseComputeCapabilities reads nvidia-smi compute_cap lines and ignores anything else', () => {
  assert.deepEqual(parseComputeCapabilities('9.0\n8.6\n'), [9, 8.6]);
  assert.deepEqual(parseComputeCapabilities('7.5\r\n'), [7.5]);
  assert.deepEqual(parseComputeCapabilities('Field "compute_cap" is not a valid field to query.\n'), []);
  assert.deepEqual(parseComputeCapabilities(''), []);
});

test('without a CUDA device, the cuda default is fp32 whatever the CPU flags', () => {
  const c = choosePrecision({ device: 'cuda', env: {} });
  if (!cudaIsAvailable()) {
    assert.deepEqual(c, { precision: 'fp32', reason: 'no CUDA GPU with native bf16 (compute capability >= 8.0)' });
  } else {
    assert.ok(c.precision === 'fp32' || c.precision === 'bf16-mixed');
  }
});

test("parsing keeps the setting; the run resolves it: default fp32, 'auto' = this machine's choice, MEDCL_PRECISION forces either", async () => {
  const saved = process.env['MEDCL_PRECISION'];
  const cfg = (precision?: 'auto' | 'fp32' | 'bf16-mixed' | 'fp16') =>
    resolvePretrainConfig({ method: 'simclr', data: 'm.json', out: 'o', ...(precision ? { precision } : {}) } as never);
  try {
    // config parsing is pure: it neither reads the environment nor asks the hardware
    process.env['MEDCL_PRECISION'] = 'half';
    assert.equal(cfg().precision, undefined);
    assert.equal(cfg('auto').precision, 'auto');
    assert.equal(parseFinetuneConfig({ precision: 'auto' }).precision, 'auto');
    for (const forced of ['fp32', 'bf16-mixed'] as const) {
      process.env['MEDCL_PRECISION'] = forced;
      assert.deepEqual(resolvePrecision('auto'), { precision: forced, reason: 'MEDCL_PRECISION' });
      assert.equal(withResolvedPrecision(cfg()).precision, forced);
      assert.equal(withResolvedPrecision(cfg('auto')).precision, forced);
      assert.match(describePrecision(forced), /MEDCL_PRECISION/);
      const other = forced === 'fp32' ? 'bf16-mixed' : 'fp32';
      assert.deepEqual(resolvePrecision(other), { precision: other, reason: 'requested' });
      assert.equal(withResolvedPrecision(cfg(other)).precision, other);
      assert.match(describePrecision(other), new RegExp(`^precision: ${other} \\('auto' would pick ${forced} here`));
    }
    delete process.env['MEDCL_PRECISION'];
    const here = choosePrecision().precision;
    assert.equal(here, nativeBf16('cpu').native ? 'bf16-mixed' : 'fp32');
    // the default is fp32 (the accuracy guard did not hold at 2 labelled patients); 'auto' is this machine's choice
    assert.equal(DEFAULT_PRECISION_SETTING, 'fp32');
    assert.equal(withResolvedPrecision(cfg()).precision, 'fp32');
    assert.equal(withResolvedPrecision(cfg('auto')).precision, here);
    const resolved = withResolvedPrecision(cfg('auto'));
    assert.deepEqual({ ...resolved, precision: 'auto' }, cfg('auto'), 'nothing else changes');
    process.env['MEDCL_PRECISION'] = 'auto';
    assert.equal(withResolvedPrecision(cfg()).precision, here);
    process.env['MEDCL_PRECISION'] = 'half';
    assert.throws(() => withResolvedPrecision(cfg()), /MEDCL_PRECISION must be one of auto, fp32, bf16-mixed/);
    delete process.env['MEDCL_PRECISION'];
    assert.throws(() => cfg('fp16'), /precision/);
    assert.throws(() => resolvePrecision('half' as never), /precision must be one of auto, fp32, bf16-mixed/);
  } finally {
    if (saved === undefined) delete process.env['MEDCL_PRECISION'];
    else process.env['MEDCL_PRECISION'] = saved;
  }
});
