/**
 * Runtime settings: intra-op threads (default = the machine's cores, MEDCL_THREADS overrides), device queries
 * that must not throw on a CPU-only build, and the libtorch build information.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import {
  tensor,
  zeros,
  setNumThreads,
  getNumThreads,
  defaultThreads,
  cudaDeviceCount,
  cudaIsAvailable,
  defaultDevice,
  synchronize,
  torchVersion,
  buildConfig,
  liveTensors,
} from '../../src/engine/index.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose, randomArray } from './helpers.js';

// the runtime module alone: it loads the addon (and sets the threads) without the rest of the engine
const engineUrl = new URL('../../src/engine/runtime.js', import.meta.url).href;

/** getNumThreads() in a fresh process with the given MEDCL_THREADS (undefined = unset) */
function threadsInChild(envValue: string | undefined): {
  threads: number;
  defaultThreads: number;
} {
  const env = { ...process.env };
  delete env['MEDCL_THREADS'];
  if (envValue !== undefined) env['MEDCL_THREADS'] = envValue;
  const code =
    `const E = await import(${JSON.stringify(engineUrl)});` +
    `console.log(JSON.stringify({ threads: E.getNumThreads(), defaultThreads: E.defaultThreads() }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], { env, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as {
    threads: number;
    defaultThreads: number;
  };
}

const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;

test('at load, intra-op threads = defaultThreads() = the cores, or MEDCL_THREADS when set', () => {
  // this is the first test of the file: nothing has changed the thread count yet
  const env = Number(process.env['MEDCL_THREADS']);
  const want = Number.isInteger(env) && env > 0 ? env : cores;
  assert.equal(defaultThreads(), want);
  assert.equal(getNumThreads(), want);
});

test('MEDCL_THREADS overrides the default (applied at load); invalid values fall back to the cores', () => {
  assert.deepEqual(threadsInChild(undefined), {
    threads: cores,
    defaultThreads: cores,
  });
  assert.deepEqual(threadsInChild('1'), { threads: 1, defaultThreads: 1 });
  // defaultThreads() reads the variable when called
  const saved = process.env['MEDCL_THREADS'];
  try {
    const cases: [string, number][] = [
      ['3', 3],
      ['16', 16],
      ['0', cores],
      ['-2', cores],
      ['abc', cores],
      ['1.5', cores],
      ['', cores],
    ];
    for (const [value, want] of cases) {
      process.env['MEDCL_THREADS'] = value;
      assert.equal(defaultThreads(), want, `MEDCL_THREADS=${JSON.stringify(value)}`);
    }
  } finally {
    if (saved === undefined) delete process.env['MEDCL_THREADS'];
    else process.env['MEDCL_THREADS'] = saved;
  }
});

test('setNumThreads/getNumThreads; invalid counts are refused; results do not depend on threads', () => {
  const initial = getNumThreads();
  const rng = new Rng(3);
  const n = 64;
  const A = randomArray(rng, n * n);
  const B = randomArray(rng, n * n);
  const ref = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += A[i * n + k]! * B[k * n + j]!;
      ref[i * n + j] = s;
    }
  const big = randomArray(rng, 100_000);
  const bigSum = big.reduce((s, v) => s + v, 0);
  try {
    for (const t of [1, 2, 4]) {
      setNumThreads(t);
      assert.equal(getNumThreads(), t);
      const c = tensor(A, { shape: [n, n] }).matmul(tensor(B, { shape: [n, n] }));
      assertClose(c.toFloat64Array(), ref, {
        rtol: 1e-5,
        atol: 1e-5,
        msg: `matmul with ${t} threads`,
      });
      assertClose([tensor(big, { dtype: 'float64' }).sum().item()], [bigSum], {
        rtol: 1e-12,
        msg: `sum, ${t} threads`,
      });
    }
    setNumThreads(2);
    assert.throws(() => setNumThreads(0), RangeError);
    assert.throws(() => setNumThreads(-3), RangeError);
    assert.equal(getNumThreads(), 2, 'a refused count leaves the setting alone');
  } finally {
    setNumThreads(initial);
  }
  assert.equal(getNumThreads(), initial);
});

test('device queries do not throw on a CPU-only build and agree with each other', () => {
  const count = cudaDeviceCount();
  assert.ok(Number.isInteger(count) && count >= 0);
  assert.equal(cudaIsAvailable(), count > 0);
  assert.equal(defaultDevice(), count > 0 ? 'cuda' : 'cpu');
  synchronize();
  synchronize('cpu');
  if (/USE_CUDA=OFF/.test(buildConfig())) {
    // this libtorch has no CUDA: nothing is available, and asking for CUDA work is an Error, not an abort
    assert.equal(count, 0);
    assert.equal(cudaIsAvailable(), false);
    assert.equal(defaultDevice(), 'cpu');
    assert.throws(() => synchronize('cuda'), /^Error: synchronize: .*CUDA/);
    assert.throws(() => zeros([2], { device: 'cuda' }), Error);
    assert.throws(() => tensor([1, 2], { device: 'cuda' }), Error);
  }
  // the default device always works
  assert.equal(zeros([2], { device: defaultDevice() }).device.split(':')[0], defaultDevice());
});

test('build information', () => {
  assert.match(torchVersion(), /^\d+\.\d+\.\d+/);
  const cfg = buildConfig();
  assert.match(cfg, /PyTorch built with/);
  assert.ok(cfg.includes(`TORCH_VERSION=${torchVersion()}`) || !cfg.includes('TORCH_VERSION='));
  assert.ok(Number.isInteger(liveTensors()) && liveTensors() >= 0);
});
