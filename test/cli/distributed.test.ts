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
import type { Command } from 'commander';
import { withoutLauncherOptions } from '../../src/cli/distributed.js';
import { program, smallPhantoms } from './fixtures.js';
import { register as registerPretrain } from '../../src/cli/pretrain.js';
import { register as registerFinetune } from '../../src/cli/finetune.js';

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

/** runs `medcl <args>` in this process; resolves to the error it throws (the action runs nothing else first) */
async function failure(register: (p: Command) => void, args: string[]): Promise<Error> {
  try {
    await program(register).parseAsync(['node', 'medcl', ...args]);
  } catch (e) {
    return e as Error;
  }
  throw new Error(`medcl ${args.join(' ')}: no error`);
}

test('the launcher options come from a schema: --help shows their defaults, bad values name their flag', async () => {
  const pretrain = program(registerPretrain).commands.find((c) => c.name() === 'pretrain')!;
  const help = pretrain.helpInformation().replace(/\s+/g, ' '); // unwrapped
  assert.match(help, /--nproc-per-node <n> data-parallel: processes \(ranks\) on this machine \(default: 1\)/);
  assert.match(help, /--master-addr <addr> data-parallel: rank 0's machine \(default: 127\.0\.0\.1\)/);
  assert.match(help, /--dist-timeout <s> data-parallel: .* \(default: 300\)/);
  const base = ['--method', 'simclr', '--data', 'none.json', '--out', 'none'];
  for (const [register, name] of [
    [registerPretrain, 'pretrain'],
    [registerFinetune, 'finetune'],
  ] as const) {
    const args = name === 'pretrain' ? [name, ...base] : [name, '--data', 'none.json', '--out', 'none'];
    const e = await failure(register, [
      ...args,
      '--nproc-per-node',
      '0',
      '--master-port',
      '70000',
      '--master-addr',
      '',
      '--dist-timeout',
      '0',
    ]);
    const lines = e.message.split('\n');
    assert.equal(lines[0], `${name}: invalid options:`, e.message);
    assert.ok(lines.includes('  --nproc-per-node: expected a positive integer, got 0'), e.message);
    assert.ok(lines.includes('  --master-port: expected a port number (1..65535), got 70000'), e.message);
    assert.ok(lines.includes('  --master-addr: expected a host name or address'), e.message);
    assert.ok(lines.includes('  --dist-timeout: expected a positive integer, got 0'), e.message);
    assert.equal(lines.length, 5, e.message);
  }
  const rank = await failure(registerPretrain, ['pretrain', ...base, '--nnodes', '2', '--node-rank', '2']);
  assert.match(rank.message, /^pretrain: invalid options:\n {2}--node-rank 2 is not below --nnodes 2$/);
  const negative = await failure(registerPretrain, ['pretrain', ...base, '--node-rank', '-1']);
  assert.match(negative.message, /--node-rank: expected a non-negative integer, got -1/);
  // not a number at all: commander's parser refuses it, naming the option
  const word = await failure(registerPretrain, ['pretrain', ...base, '--nnodes', 'two']);
  assert.match(word.message, /--nnodes <n>.*'two' is invalid\. expected an integer, got "two"/);
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
