/**
 * Opening a run folder: a folder mkdir can never make is an error naming it (Node's recursive mkdir loops forever
 * there); a folder with state to resume is checked against the run's config (differing fields named; paths compared
 * resolved; a truncated config.json named); --restart moves the old outputs to previous/<time>/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDir } from '../../src/engine/index.js';
import { openRunFolder, trainingRunSpec } from '../../src/train/run-folder.js';
import { ConfigChangedError, configDifferences, configIdentity } from '../../src/train/run-config.js';
import { tempDir } from '../methods/fixtures.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

test('--out where mkdir can never succeed fails at once naming the folder (it looped forever at 100% CPU)', () => {
  assert.throws(
    () => ensureDir('/proc/medcl-run/a'),
    /^Error: cannot create the folder \/proc\/medcl-run\/a: \/proc exists but does not allow new folders/,
  );
  const file = join(tempDir('medcl-dir-'), 'a-file');
  writeFileSync(file, 'x');
  assert.throws(() => ensureDir(join(file, 'sub')), new RegExp(`${file} exists and is not a folder`));
  // the command itself, in a process of its own with a time limit
  const t0 = Date.now();
  const r = spawnSync(
    process.execPath,
    [MAIN, 'pretrain', '--method', 'simclr', '--data', 'm.json', '--out', '/proc/medcl-run'],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  assert.equal(r.signal, null, 'the command was killed by the time limit: it hung');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /cannot create the folder \/proc\/medcl-run/);
  assert.ok(Date.now() - t0 < 60_000);
});

test('identity: out, cacheDir, checkpointEvery, loading settings, device may change; epochs only where the schedule ignores the total', () => {
  const base = { out: 'a', data: 'm.json', lr: 0.1, epochs: 5, schedule: 'cosine-warmup', checkpointEvery: 1 };
  const id = (c: object) => configIdentity(c, trainingRunSpec('pretrain', { out: 'x' }));
  const cosine = trainingRunSpec('t', base as never);
  const constant = trainingRunSpec('t', { ...base, schedule: 'constant' } as never);
  const free = ['out', 'cacheDir', 'checkpointEvery', 'loaderWorkers', 'loaderCacheMiB', 'device'];
  assert.deepEqual(cosine.mayChange, free);
  assert.deepEqual(constant.mayChange, [...free, 'epochs']);
  assert.equal(id(base).hash, id({ ...base, out: 'b', checkpointEvery: 5, cacheDir: '/c' }).hash);
  assert.equal(id(base).hash, id({ ...base, loaderWorkers: 3, loaderCacheMiB: 64 }).hash);
  // checkpoints are CPU tensors: a run resumes on another device
  assert.equal(id({ ...base, device: 'cpu' }).hash, id({ ...base, device: 'cuda:0' }).hash);
  // ./m.json and its absolute path are one file
  assert.equal(id(base).hash, id({ ...base, data: join(process.cwd(), 'm.json') }).hash);
  assert.equal(id(base).hash, id({ ...base, data: relative(process.cwd(), join(process.cwd(), 'm.json')) }).hash);
  assert.notEqual(id(base).hash, id({ ...base, lr: 0.05 }).hash);
  // key order does not matter (canonical JSON)
  assert.equal(id({ a: 1, b: { c: 2, d: 3 }, out: 'x' }).hash, id({ b: { d: 3, c: 2 }, a: 1, out: 'y' }).hash);
  assert.deepEqual(
    configDifferences(
      { lr: 0.1, encoder: { widths: [4, 8], norm: 'batch' }, tau: 0.1 },
      { lr: 0.05, encoder: { widths: [4, 16], norm: 'batch' } },
    ),
    [
      { field: 'encoder.widths', before: [4, 8], after: [4, 16] },
      { field: 'lr', before: 0.1, after: 0.05 },
      { field: 'tau', before: 0.1, after: undefined },
    ],
  );
});

test('resume checks: refused naming the fields, a broken config.json is named, --restart moves the old run aside', () => {
  const dir = tempDir('medcl-folder-');
  const cfg = { out: dir, data: 'm.json', lr: 0.1, tau: 0.1, augment: 'cltci', epochs: 4, schedule: 'cosine-warmup' };
  openRunFolder(dir, trainingRunSpec('pretrain', cfg)).release();
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')), cfg);
  // no checkpoint yet: any config may start here
  openRunFolder(dir, trainingRunSpec('pretrain', { ...cfg, lr: 0.2 })).release();
  openRunFolder(dir, trainingRunSpec('pretrain', cfg)).release();
  writeFileSync(join(dir, 'checkpoint.safetensors'), 'state');
  writeFileSync(join(dir, 'log.jsonl'), '{}\n');
  assert.throws(
    () => openRunFolder(dir, trainingRunSpec('pretrain', { ...cfg, lr: 0.05, tau: 0.2, augment: 'none' })),
    (e: Error) =>
      e instanceof ConfigChangedError &&
      e.message.startsWith(
        `pretrain: ${dir} holds a run with other settings: different augment ("cltci" vs "none"), different lr (0.1 vs 0.05), different tau (0.1 vs 0.2).`,
      ) &&
      /--restart/.test(e.message),
  );
  assert.throws(
    () => openRunFolder(dir, trainingRunSpec('pretrain', { ...cfg, epochs: 8 })),
    /different epochs \(4 vs 8\)/,
  );
  // the refusals left config.json and the lock as they were
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')), cfg);
  openRunFolder(dir, trainingRunSpec('pretrain', { ...cfg, checkpointEvery: 2 })).release();
  // extending a constant-schedule run is allowed
  const constant = { ...cfg, schedule: 'constant' };
  const dir2 = tempDir('medcl-folder-');
  openRunFolder(dir2, trainingRunSpec('pretrain', constant)).release();
  writeFileSync(join(dir2, 'checkpoint.safetensors'), 'state');
  openRunFolder(dir2, trainingRunSpec('pretrain', { ...constant, epochs: 8 })).release();

  writeFileSync(join(dir, 'config.json'), '{"lr": 0.1, "ta');
  assert.throws(
    () => openRunFolder(dir, trainingRunSpec('pretrain', cfg)),
    new RegExp(`^Error: pretrain: ${join(dir, 'config.json')} is not valid JSON \\(truncated\\?\\): .*--restart`),
  );
  const f = openRunFolder(dir, trainingRunSpec('pretrain', { ...cfg, lr: 0.05 }, { restart: true }));
  f.release();
  assert.ok(f.movedTo !== null && f.movedTo.startsWith(join(dir, 'previous')));
  assert.deepEqual(readdirSync(f.movedTo!).sort(), ['checkpoint.safetensors', 'config.json', 'log.jsonl']);
  assert.deepEqual(readdirSync(dir).sort(), ['config.json', 'previous']);
  assert.equal(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).lr, 0.05);
  assert.ok(!existsSync(join(dir, 'checkpoint.safetensors')));
});
