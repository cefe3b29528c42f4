/**
 * kill -9 during pre-training, checkpoint writes included. A real SimCLR pre-training runs in a child process
 * (pretrain-kill-child.ts: 3 epochs of 4 steps, a checkpoint every epoch, a slow disk so that a checkpoint write
 * lasts ~0.1 s) and is killed with SIGKILL at seeded points: inside the first checkpoint write, mid-epoch, inside a
 * later checkpoint write, and just after a checkpoint's rename; then it resumes and finishes. After every kill the
 * checkpoint on disk is absent or a complete one — byte for byte the reference run's checkpoint of the epoch the log
 * shows, every tensor finite — and the temp files of earlier kills are gone. The resumed run ends with exactly the
 * weights, checkpoint and per-step losses of an uninterrupted reference run (run alongside, same settings).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCheckpoint, loadSafetensors } from '../../src/engine/index.js';
import { Rng } from '../../src/util/rng.js';
import { smallPhantoms, tempDir } from '../methods/fixtures.js';

const CHILD = fileURLToPath(new URL('./pretrain-kill-child.js', import.meta.url));
const EPOCHS = 3;
const STEPS_PER_EPOCH = 4; // 26 X-rays of 8 patients, batch 8 (checked against the reference log below)
const TEMP = /^\.checkpoint\.safetensors\.tmp-(\d+)-[0-9a-z]+$/;

interface Child {
  proc: ChildProcess;
  exited: Promise<{ code: number | null; signal: string | null; stderr: string }>;
}

function start(arg: object): Child {
  const proc = spawn(process.execPath, [CHILD, JSON.stringify(arg)], {
    env: { ...process.env, MEDCL_THREADS: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { proc, exited };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every millisecond; fails if the child exits first or 60 s pass. */
async function until(child: Child, what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!cond()) {
    if (child.proc.exitCode !== null)
      throw new Error(`the child exited before ${what}: ${(await child.exited).stderr}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

async function kill(child: Child): Promise<void> {
  child.proc.kill('SIGKILL');
  const r = await child.exited;
  assert.equal(r.signal, 'SIGKILL', `the child was killed, not finished (${r.stderr})`);
}

const temps = (dir: string) => readdirSync(dir).filter((f) => TEMP.test(f));
/** complete records of log.jsonl (a killed write may leave a partial last line) */
function logLines(dir: string): number {
  const file = join(dir, 'log.jsonl');
  return existsSync(file) ? (readFileSync(file, 'utf8').match(/\n/g)?.length ?? 0) : 0;
}
function losses(dir: string): number[] {
  const lines = readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n');
  return lines.map((l) => (JSON.parse(l) as { loss: number }).loss);
}
function inode(file: string): number {
  return existsSync(file) ? statSync(file).ino : -1;
}

/** Every tensor of a safetensors file, as float64 arrays. */
function tensorsOf(file: string): Map<string, Float64Array> {
  const { tensors } = loadSafetensors(file);
  const out = new Map<string, Float64Array>();
  for (const [k, t] of tensors) {
    out.set(k, t.toFloat64Array());
    t.dispose();
  }
  return out;
}

/**
 * After a kill with `lines` complete log records: the checkpoint is absent (nothing committed yet) or complete — the
 * reference's checkpoint of the last finished epoch, or of the one before while that epoch's write was cut short —
 * and loads with every tensor finite. Temp files may remain only from the child just killed.
 */
function checkAfterKill(out: string, ref: string, lines: number, pid: number, notes: string[]): number {
  const file = join(out, 'checkpoint.safetensors');
  const done = Math.floor(lines / STEPS_PER_EPOCH);
  const allowed = lines % STEPS_PER_EPOCH === 0 && done > 0 ? [done - 1, done] : [done];
  let epoch = 0;
  if (existsSync(file)) {
    const loaded = loadCheckpoint(file); // throws on a torn file or a non-finite tensor
    epoch = (loaded.extra as { epoch: number }).epoch;
    for (const t of [...loaded.model.values(), ...loaded.tensors.values()]) t.dispose();
    for (const [k, v] of tensorsOf(file)) assert.ok(v.every(Number.isFinite), `${k} finite`);
    const snapshot = join(ref, 'snapshots', `epoch-${epoch}.safetensors`);
    assert.ok(readFileSync(file).equals(readFileSync(snapshot)), `checkpoint = the reference's of epoch ${epoch}`);
  }
  assert.ok(allowed.includes(epoch), `after ${lines} steps the checkpoint is of epoch ${epoch}, not ${allowed}`);
  for (const t of temps(out)) assert.equal(Number(TEMP.exec(t)![1]), pid, `${t} of an earlier run was removed`);
  notes.push(
    `kill ${notes.length + 1}: ${lines} steps logged, checkpoint of epoch ${epoch}, ${temps(out).length} temp`,
  );
  return epoch;
}

test('kill -9 at seeded points, inside checkpoint writes too: resumes to the uninterrupted run, bit for bit', async (t) => {
  const data = (await smallPhantoms()).xray;
  const ref = tempDir('medcl-kill-ref-');
  const snapshots = join(ref, 'snapshots');
  mkdirSync(snapshots);
  const reference = start({ data, out: join(ref, 'run'), epochs: EPOCHS, snapshots });
  const out = tempDir('medcl-kill-');
  const arg = { data, out, epochs: EPOCHS };
  const rng = new Rng(1515);
  const ckpt = join(out, 'checkpoint.safetensors');
  let current: Child;
  const inWrite = () => temps(out).some((t) => Number(TEMP.exec(t)![1]) === current.proc.pid);
  let tempsLeft = 0;
  const notes: string[] = [];

  // 1. inside the first checkpoint write (the temp file is being written: 0-30 ms into a ~0.1 s write)
  current = start(arg);
  await until(current, 'the first checkpoint write', inWrite);
  await sleep(rng.int(0, 30));
  await kill(current);
  tempsLeft += temps(out).length;
  const e1 = checkAfterKill(out, ref, logLines(out), current.proc.pid!, notes);

  // 2. mid-epoch, after a seeded number of steps of epoch 2
  current = start(arg);
  const stopAt = STEPS_PER_EPOCH + rng.int(1, STEPS_PER_EPOCH);
  await until(current, `step ${stopAt}`, () => logLines(out) >= stopAt);
  await kill(current);
  assert.ok(checkAfterKill(out, ref, logLines(out), current.proc.pid!, notes) >= 1, 'epoch 1 committed');

  // 3. inside the checkpoint write of epoch 2 (resumed from epoch 1)
  current = start(arg);
  await until(current, 'the epoch-2 checkpoint write', inWrite);
  await sleep(rng.int(0, 30));
  await kill(current);
  tempsLeft += temps(out).length;
  checkAfterKill(out, ref, logLines(out), current.proc.pid!, notes);

  // 4. just after a checkpoint's rename (a new file under the name), before anything else
  current = start(arg);
  const before = inode(ckpt);
  await until(current, 'a new checkpoint', () => inode(ckpt) !== before && inode(ckpt) !== -1);
  await kill(current);
  const e4 = checkAfterKill(out, ref, logLines(out), current.proc.pid!, notes);
  assert.ok(e4 >= 1 && e4 >= e1, `epoch ${e4}`);

  // 5. resume and finish
  current = start(arg);
  const end = await current.exited;
  assert.equal(end.code, 0, end.stderr);
  const r = await reference.exited;
  assert.equal(r.code, 0, r.stderr);
  for (const n of notes) t.diagnostic(n);
  assert.ok(tempsLeft >= 1, 'at least one kill landed inside a checkpoint write (its temp file was left)');
  assert.deepEqual(temps(out), [], 'no temp file left after the resumed run');

  const refRun = join(ref, 'run');
  const refLosses = losses(refRun);
  assert.equal(refLosses.length, EPOCHS * STEPS_PER_EPOCH);
  assert.deepEqual(losses(out), refLosses, 'the same loss at every step');
  const [a, b] = [tensorsOf(join(out, 'encoder.safetensors')), tensorsOf(join(refRun, 'encoder.safetensors'))];
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [k, v] of a) {
    const w = b.get(k)!;
    const maxDiff = v.reduce((m, x, i) => Math.max(m, Math.abs(x - w[i]!)), 0);
    assert.equal(maxDiff, 0, `encoder ${k}: max |difference| ${maxDiff}`);
  }
  assert.ok(readFileSync(ckpt).equals(readFileSync(join(refRun, 'checkpoint.safetensors'))), 'final checkpoint');
  const summary = (d: string) => JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')) as { finalLoss: number };
  assert.equal(summary(out).finalLoss, summary(refRun).finalLoss);
});
