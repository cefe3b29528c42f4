/**
 * `--nproc-per-node`: the command re-runs itself on 2 local ranks that train one model (rank 0 alone prints and
 * writes), and the launcher's options are not passed on to the ranks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withoutLauncherOptions } from '../../src/cli/distributed.js';
import { smallPhantoms } from './fixtures.js';

const main = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');

test('withoutLauncherOptions drops --nproc-per-node and friends in both spellings, keeps the rest', () => {
  assert.deepEqual(
    withoutLauncherOptions([
      'pretrain',
      '--nproc-per-node',
      '2',
      '--method',
      'simclr',
      '--master-port=1234',
      '--nnodes',
      '1',
      '--node-rank=0',
      '--master-addr',
      'h',
      '--dist-timeout',
      '9',
    ]),
    ['pretrain', '--method', 'simclr', '--dist-timeout', '9'],
  );
});

test('medcl pretrain --nproc-per-node 2: two ranks, one log, one summary', async () => {
  const data = await smallPhantoms('medcl-cli-ddp-');
  const out = path.join(data.dir, 'run');
  const cfg = path.join(data.dir, 'cfg.json');
  const tiny = { size: 32, projectionDim: 8, encoder: { widths: [4, 8], norm: 'instance' }, warmupEpochs: 0 };
  writeFileSync(cfg, JSON.stringify(tiny));
  const args = ['pretrain', '--method', 'simclr', '--data', data.xray, '--out', out, '--config', cfg];
  const r = spawnSync(
    process.execPath,
    [main, ...args, '--epochs', '2', '--batch-size', '4', '--nproc-per-node', '2', '--dist-timeout', '60'],
    { encoding: 'utf8', env: { ...process.env, MEDCL_THREADS: '1' } },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.match(/final loss/g)?.length, 1, `one summary:\n${r.stdout}`);
  assert.ok(existsSync(path.join(out, 'encoder.safetensors')));
  const log = readFileSync(path.join(out, 'log.jsonl'), 'utf8').trim().split('\n');
  const steps = Number(/(\d+) steps/.exec(r.stdout)![1]);
  assert.equal(log.length, steps);
  const ck = JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8')) as { batchSize: number };
  assert.equal(ck.batchSize, 4, 'batchSize is the global batch');
  // an odd global batch cannot be split over 2 ranks: the error names the field
  const bad = spawnSync(process.execPath, [main, ...args, '--batch-size', '5', '--nproc-per-node', '2'], {
    encoding: 'utf8',
    env: { ...process.env, MEDCL_THREADS: '1' },
  });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /batchSize 5 .* not a multiple of the 2 ranks/);
});
