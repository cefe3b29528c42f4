/**
 * `medcl methods`, `medcl config` and `medcl info`: the method table and its JSON agree with the registry, the
 * printed default config is resolvePretrainConfig's with marked placeholders and is accepted back by `medcl pretrain`'s
 * schema once they are replaced, every config schema converts to JSON Schema, and info reports what the engine says.
 * One test runs the built command as a child process (`node dist/src/cli/main.js`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { register as registerMethods } from '../../src/cli/methods.js';
import { register as registerConfig, DATA_PLACEHOLDER, OUT_PLACEHOLDER } from '../../src/cli/config.js';
import { register as registerInfo } from '../../src/cli/info.js';
import { SLICE_METHODS as METHODS } from '../../src/methods/registry.js';
import { resolvePretrainConfig } from '../../src/methods/resolve-config.js';
import { pretrainSchema } from '../../src/methods/config.js';
import { finetuneRunSchema } from '../../src/train/finetune-run-config.js';
import { cudaDeviceCount, getNumThreads, torchVersion } from '../../src/engine/index.js';
import { parseCpuinfo } from '../../src/engine/index.js';
import { captureStdout, program } from './fixtures.js';

const medcl = (): Command => program(registerMethods, registerConfig, registerInfo);

async function run(args: string[]): Promise<string> {
  const err = process.stderr.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    return await captureStdout(() => medcl().parseAsync(['node', 'medcl', ...args]));
  } finally {
    process.stderr.write = err;
  }
}

interface MethodJson {
  name: string;
  paper: string;
  summary: string;
  input: string;
  defaults: Record<string, unknown>;
  keySettings: Record<string, unknown>;
}

test('methods: a table row per method (registry + drasclr) and --json with summary, paper, defaults', async () => {
  const table = await run(['methods']);
  const names = [...METHODS.map((m) => m.name), 'drasclr'];
  for (const n of names) assert.match(table, new RegExp(`^${n} `, 'm'));
  assert.match(table, /^method\s+input\s+paper\s+positives\s+key defaults$/m);
  const list = JSON.parse(await run(['methods', '--json'])) as MethodJson[];
  assert.deepEqual(
    list.map((m) => m.name),
    names,
  );
  const pcl = list.find((m) => m.name === 'pcl')!;
  const def = METHODS.find((m) => m.name === 'pcl')!;
  assert.equal(pcl.summary, def.summary);
  assert.equal(pcl.paper, def.paper);
  assert.deepEqual(pcl.defaults, JSON.parse(JSON.stringify(def.defaults)));
  assert.equal(pcl.keySettings['preset'], 'ct-pcl');
  assert.equal(pcl.keySettings['positionThreshold'], 0.1);
  const polycl = list.find((m) => m.name === 'polycl-s')!;
  assert.equal(polycl.keySettings['tau'], 1 / 20, 'derived defaults resolved');
  assert.equal(list.at(-1)!.input, '3d');
});

test('config --method: the resolved default config with placeholders; replaced, it parses as a pretrain config', async () => {
  const cfg = JSON.parse(await run(['config', '--method', 'pcl'])) as Record<string, unknown>;
  assert.equal(cfg['data'], DATA_PLACEHOLDER);
  assert.equal(cfg['out'], OUT_PLACEHOLDER);
  assert.deepEqual(
    cfg,
    JSON.parse(JSON.stringify(resolvePretrainConfig({ method: 'pcl', data: DATA_PLACEHOLDER, out: OUT_PLACEHOLDER }))),
  );
  assert.ok(pretrainSchema.safeParse({ ...cfg, data: 'm.json', out: 'runs/x' }).success);
  const filled = JSON.parse(await run(['config', '--method', 'drasclr', '--data', 'm.json', '--out', 'r'])) as Record<
    string,
    unknown
  >;
  assert.equal(filled['data'], 'm.json');
  assert.equal(filled['tau'], 0.2);
  const ft = JSON.parse(await run(['config', '--finetune', '--recipe', 'pcl'])) as Record<string, unknown>;
  assert.equal(ft['epochs'], 100);
  assert.equal(ft['batchSize'], 5);
  assert.ok(finetuneRunSchema.safeParse({ ...ft, data: 'm.json', out: 'r' }).success);
});

test('config --schema: JSON Schema (input side) of every config; errors name the options', async () => {
  for (const name of ['pretrain', 'finetune', 'finetune-run', 'experiment', 'drasclr']) {
    const s = JSON.parse(await run(['config', '--schema', name])) as Record<string, unknown>;
    assert.equal(s['type'], 'object', name);
    assert.ok(Object.keys(s['properties'] as object).length > 5, name);
    assert.equal(s['additionalProperties'], false, `${name}: unknown fields are errors`);
  }
  const pre = JSON.parse(await run(['config', '--schema', 'pretrain'])) as {
    required: string[];
    properties: Record<string, { enum?: string[] }>;
  };
  assert.deepEqual(pre.required, ['method', 'data', 'out']);
  assert.deepEqual(pre.properties['precision']!.enum, ['auto', 'fp32', 'bf16-mixed']);
  await assert.rejects(
    run(['config', '--method', 'pcl', '--schema', 'pretrain']),
    /give exactly one of --method, --finetune, --schema/,
  );
  await assert.rejects(run(['config', '--method', 'nope']), /--method: expected one of simclr, /);
  await assert.rejects(run(['config', '--schema', 'nope']), /--schema: /);
  await assert.rejects(run(['config', '--method', 'pcl', '--recipe', 'pcl']), /--recipe: only with --finetune/);
});

test('info --json: what the engine reports; CPU features from /proc/cpuinfo text', async () => {
  const s = JSON.parse(await run(['info', '--json'])) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(s['libtorch'], torchVersion());
  assert.equal(s['node'], process.version);
  assert.equal(s['threads'].intraOp, getNumThreads());
  assert.equal(s['cuda'].devices, cudaDeviceCount());
  assert.equal(typeof s['mkldnn'], 'boolean');
  assert.match(s['medcl'], /^\d+\.\d+\.\d+/);
  const text = await run(['info']);
  assert.match(text, /^libtorch: /m);
  assert.match(text, /^cuda devices: \d+ \(--device /m);
  const p = parseCpuinfo('processor\t: 0\nmodel name\t: Test CPU\nflags\t\t: fpu sse avx2 avx512f amx_bf16 amx_tile\n');
  assert.equal(p.model, 'Test CPU');
  assert.deepEqual(
    Object.entries(p.features)
      .filter(([, on]) => on)
      .map(([f]) => f),
    ['avx2', 'avx512f', 'amx_tile', 'amx_bf16'],
  );
});

test('the built command: node dist/src/cli/main.js methods --json and --version', () => {
  const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
  const env = { ...process.env, MEDCL_THREADS: '1' };
  const list = JSON.parse(
    execFileSync(process.execPath, [main, 'methods', '--json'], { encoding: 'utf8', env }),
  ) as MethodJson[];
  assert.equal(list.length, METHODS.length + 1);
  const version = execFileSync(process.execPath, [main, '--version'], { encoding: 'utf8', env }).trim();
  assert.match(version, /^\d+\.\d+\.\d+/);
});
