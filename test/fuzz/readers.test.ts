// Seeded fuzzing of every reader: corrupt variants of real files (truncation, flips in the size/type fields,
// absurd dims/frames/spacing, bad zlib, wrong extensions, decompression bombs) must each read exactly as the
// original or fail with an Error naming the file. Reads run in a worker with a 5 s timeout per read, so that a
// hang or a crash is counted instead of stopping the test.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { readImage } from '../../src/io/read.js';
import { tempDir } from '../io/fixtures.js';
import { type Variant, variants } from './mutate.js';
import { type Answer, type Job, fingerprint } from './read-worker.js';
import { makeSources } from './sources.js';

const SEED = 15;
const PER_KIND = 8;
const HANG_MS = 5000;

type Outcome = 'clean' | 'named' | 'unnamed' | 'crash' | 'hang' | 'silent';

/** Runs the jobs in a worker, restarting it after a crash or a hang; returns one answer per job. */
async function readAll(jobs: Job[]): Promise<Map<number, Answer | 'crash' | 'hang'>> {
  const results = new Map<number, Answer | 'crash' | 'hang'>();
  let rest = jobs;
  while (rest.length > 0) {
    const done = await new Promise<number>((resolve) => {
      const worker = new Worker(new URL('./read-worker.js', import.meta.url), {
        resourceLimits: { maxOldGenerationSizeMb: 1024 },
      });
      let current = -1;
      let timer: NodeJS.Timeout | undefined;
      const stop = (outcome: 'crash' | 'hang'): void => {
        clearTimeout(timer);
        if (current >= 0 && !results.has(current)) results.set(current, outcome);
        void worker.terminate();
        resolve(current);
      };
      worker.on('message', (a: Answer) => {
        clearTimeout(timer);
        if (a.phase === 'start') {
          current = a.id;
          timer = setTimeout(() => stop('hang'), HANG_MS);
          return;
        }
        results.set(a.id, a);
        if (results.size === jobs.length) void worker.terminate().then(() => resolve(a.id));
      });
      worker.on('error', () => stop('crash'));
      worker.on('exit', () => stop('crash'));
      worker.postMessage(rest);
    });
    rest = rest.filter((j) => !results.has(j.id));
    if (done < 0 && rest.length > 0) throw new Error('fuzz worker died before its first read');
  }
  return results;
}

function classify(v: Variant, path: string, a: Answer | 'crash' | 'hang', original: string): Outcome {
  if (a === 'crash' || a === 'hang') return a;
  if (a.phase === 'ok') return a.fingerprint === original ? 'clean' : 'silent';
  if (a.phase !== 'threw' || !a.isError) return 'crash';
  return a.message.includes(path) ? 'named' : 'unnamed';
}

test('fuzz: corrupt variants of real files read as the original or fail naming the file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const sources = makeSources(dir);
    const originals = new Map<string, string>();
    for (const s of sources) originals.set(s.path, fingerprint(await readImage(s.path)));
    const all = sources.flatMap((s, i) => variants(s, SEED * 100 + i, PER_KIND));
    const jobs = all.map((v, id) => {
      const path = join(dir, `${v.name.replace(/[^\w.-]/g, '_')}${v.ext}`);
      writeFileSync(path, v.bytes);
      return { id, path };
    });
    const answers = await readAll(jobs);
    const counts: Record<Outcome, number> = { clean: 0, named: 0, unnamed: 0, crash: 0, hang: 0, silent: 0 };
    const bad: string[] = [];
    all.forEach((v, id) => {
      const a = answers.get(id);
      assert.ok(a, `no answer for ${v.name}`);
      const o = classify(v, jobs[id].path, a, originals.get(v.source.path) ?? '');
      counts[o] += 1;
      if (o !== 'clean' && o !== 'named') {
        bad.push(
          `${o}: ${v.name}${typeof a === 'string' || a.phase !== 'threw' ? '' : `: ${a.message.slice(0, 200)}`}`,
        );
      }
    });
    const line = `attempts ${all.length} / clean ${counts.clean} / named error ${counts.named} / unnamed error ${counts.unnamed} / crash ${counts.crash} / hang ${counts.hang} / silent ${counts.silent}`;
    console.log(`fuzz (seed ${SEED}): ${line}`);
    assert.deepEqual(bad, [], `fuzz failures (${line}):\n${bad.join('\n')}`);
    assert.ok(counts.named > all.length / 2, 'most variants are errors');
  } finally {
    cleanup();
  }
});
