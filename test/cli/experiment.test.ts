/**
 * `medcl experiment --loader-workers N`: the option sets the config's `loaderWorkers` over the file's, and the data
 * is then read in the loader threads (an image that cannot be decoded fails with the loader's message,
 * src/data/loader-pool.ts, only with threads); a bad count is refused naming the field.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { register } from '../../src/cli/experiment.js';
import { corruptXrayManifest, program, smallPhantoms } from './fixtures.js';

const data = await smallPhantoms('medcl-cli-experiment-');
after(() => rm(data.dir, { recursive: true, force: true }));

test('experiment --loader-workers: the data is read in that many threads; a bad count names loaderWorkers', async () => {
  const { bad, broken } = corruptXrayManifest(data);
  const config = join(data.dir, 'exp.json');
  const out = join(data.dir, 'exp');
  // the file says 0 (the main thread): the option wins
  const exp = { data: broken, out, size: 32, methods: ['random'], folds: 2, loaderWorkers: 0, cacheDir: out };
  writeFileSync(config, JSON.stringify(exp));
  const run = (...args: string[]) =>
    program(register).parseAsync(['node', 'medcl', 'experiment', '--config', config, ...args]);
  await assert.rejects(
    run('--loader-workers', '2'),
    (e: Error) => /^loader: /.test(e.message) && e.message.includes(bad),
  );
  await assert.rejects(run(), (e: Error) => !/^loader: /.test(e.message) && e.message.includes(bad));
  await assert.rejects(run('--loader-workers', '-1'), /loaderWorkers: Too small: expected number to be >=0/);
});
