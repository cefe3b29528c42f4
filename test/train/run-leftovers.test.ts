/**
 * What a killed or finished run leaves behind must not get in the way of the next: temp files of an atomic write
 * are removed when the folder is opened, a partial last line of log.jsonl is dropped with a warning naming the file,
 * re-running a finished pre-training keeps the final loss in summary.json, and a read-only output folder is said to
 * be one (EROFS), naming the folder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pretrain } from '../../src/train/pretrain.js';
import { openRunFolder, trainingRunSpec } from '../../src/train/run-folder.js';
import { JsonlLog } from '../../src/train/run-state.js';
import { phantomDataset, smallPhantoms, tempDir } from '../methods/fixtures.js';

test('temp files of a checkpoint write killed midway are removed when the run opens its folder', () => {
  const dir = tempDir();
  const temps = ['.checkpoint.safetensors.tmp-4242-lx3k9a', '.config.json.tmp-17-abc'];
  for (const t of temps) writeFileSync(join(dir, t), 'partial');
  writeFileSync(join(dir, '.keep-me'), 'x');
  writeFileSync(join(dir, 'notes.tmp-1-a'), 'x'); // not a hidden temp of the atomic writer
  const f = openRunFolder(dir, trainingRunSpec('pretrain', { out: dir, epochs: 1 }));
  f.release();
  const left = readdirSync(dir);
  for (const t of temps) assert.ok(!left.includes(t), `${t} removed`);
  assert.ok(left.includes('.keep-me') && left.includes('notes.tmp-1-a'), left.join(', '));
});

test('log.jsonl: a partial last line (killed mid-write) is dropped with a warning naming the file', () => {
  const file = join(tempDir(), 'log.jsonl');
  writeFileSync(file, '{"step":1,"loss":2.5}\n{"step":2,"loss":2.25}\n{"step":3,"lo');
  const warnings: string[] = [];
  const log = new JsonlLog(file, (m) => warnings.push(m));
  assert.deepEqual(log.read(), [
    { step: 1, loss: 2.5 },
    { step: 2, loss: 2.25 },
  ]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, new RegExp(`^${file}: line 3 is a partial record`));
  log.truncateAfter(2);
  assert.equal(readFileSync(file, 'utf8'), '{"step":1,"loss":2.5}\n{"step":2,"loss":2.25}\n');
  // a bad line that is not the last (or a last line that has its newline) is still an error
  writeFileSync(file, '{"step":1}\n{"st\n{"step":3}\n');
  assert.throws(() => log.read(), new RegExp(`${file}: line 2 is not JSON`));
  writeFileSync(file, '{"step":1}\n{"st\n');
  assert.throws(() => log.read(), new RegExp(`${file}: line 2 is not JSON`));
});

test('pre-training resumes over a partial log line, and a re-run of a finished run keeps finalLoss', async () => {
  const ds = await phantomDataset('xray');
  const { xray } = await smallPhantoms();
  const out = tempDir();
  const input = { method: 'simclr', data: xray, out, size: 32, epochs: 2, batchSize: 8, encoder: { widths: [4, 8] } };
  const first = await pretrain(input, { dataset: ds, progress: 'quiet', stopAfterEpochs: 1 });
  writeFileSync(join(out, 'log.jsonl'), readFileSync(join(out, 'log.jsonl'), 'utf8') + '{"step":99,"lo');
  const second = await pretrain(input, { dataset: ds, progress: 'quiet' });
  assert.equal(second.resumedFrom, 1);
  const steps = readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n');
  assert.equal(steps.length, second.steps, 'one record per step, the partial line gone');
  const finalLoss = second.losses.at(-1);
  assert.equal(typeof finalLoss, 'number');
  const summaryOf = () => JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(summaryOf()['finalLoss'], finalLoss);
  const third = await pretrain(input, { dataset: ds, progress: 'quiet' });
  assert.equal(third.losses.length, 0, 'nothing left to train');
  assert.equal(summaryOf()['finalLoss'], finalLoss, 'summary.json keeps the final loss (was null)');
  assert.ok(first.losses.length > 0);
});

test('a read-only output folder is reported as read-only (EROFS), naming the folder', (t) => {
  if (process.getuid?.() !== 0) {
    // without root: a folder without write permission (EACCES)
    const dir = tempDir();
    spawnSync('chmod', ['555', dir]);
    assert.throws(() => openRunFolder(dir, trainingRunSpec('pretrain', { out: dir })), {
      message: `pretrain: cannot write into the output folder ${dir}: permission denied (EACCES)`,
    });
    spawnSync('chmod', ['755', dir]);
    return;
  }
  const dir = join(tempDir(), 'ro');
  mkdirSync(dir);
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', dir], { encoding: 'utf8' });
  if (m.status !== 0) {
    t.skip(`root cannot mount a read-only tmpfs here (${m.stderr.trim()}): EROFS not exercised`);
    return;
  }
  try {
    assert.throws(() => openRunFolder(dir, trainingRunSpec('pretrain', { out: dir })), {
      message: `pretrain: cannot write into the output folder ${dir}: it is on a read-only file system (EROFS)`,
    });
    // a folder to be made under it: the mkdir error names it and says EROFS
    assert.throws(() => openRunFolder(join(dir, 'run'), trainingRunSpec('pretrain', { out: dir })), /EROFS/);
    assert.ok(!existsSync(join(dir, '.medcl-lock')));
  } finally {
    spawnSync('umount', [dir]);
    rmdirSync(dir);
  }
});
