/**
 * `medcl evaluate-drasclr`'s options come from evaluateDrasclrSchema: the fine-tuning flags (`--epochs`, `--lr`,
 * `--label-fraction`) set the nested finetune settings, `--no-random`/`--no-patches` switch parts off, and a bad
 * value is an error naming the option before any work.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { program } from './fixtures.js';
import { register } from '../../src/cli/evaluate-drasclr.js';

const medcl = (...args: string[]) =>
  program(register).parseAsync(['node', 'medcl', 'evaluate-drasclr', '--run', 'r', '--out', 'o', ...args]);

test('evaluate-drasclr: bad values are errors naming each option, nested ones by their flag', async () => {
  await assert.rejects(
    medcl('--folds', '1', '--epochs', '0', '--label-fraction', '2', '--dense-step', '0', '--min-lesion-fraction', '0'),
    (e: Error) =>
      /^evaluate-drasclr: invalid options:/.test(e.message) &&
      ['--folds', '--epochs', '--label-fraction', '--dense-step', '--min-lesion-fraction'].every((f) =>
        new RegExp(`^ {2}${f}: `, 'm').test(e.message),
      ),
  );
  await assert.rejects(medcl('--lesion-labels', '3,a'), /expected an integer, got "a"/);
  await assert.rejects(program(register).parseAsync(['node', 'medcl', 'evaluate-drasclr', '--out', 'o']), /--run/);
});

test('evaluate-drasclr: valid options pass validation and reach the run loader', async () => {
  await assert.rejects(
    medcl(
      '--run',
      '/nonexistent/medcl-run',
      '--folds',
      '3',
      '--epochs',
      '2',
      '--lr',
      '1e-3',
      '--no-random',
      '--no-patches',
    ),
    (e: Error) => !/invalid options/.test(e.message) && /nonexistent\/medcl-run/.test(e.message),
  );
});

test('evaluate-drasclr --help: the flags with the schema defaults', () => {
  const help = program(register)
    .commands.find((c) => c.name() === 'evaluate-drasclr')!
    .helpInformation()
    .replace(/\s+/g, ' ');
  for (const re of [
    /--folds <k>.*\(default: 5\)/,
    /--seed <n>.*\(default: 0\)/,
    /--lesion-labels <list>.*\(default: 3\)/,
    /--epochs <n>\s+full fine-tuning epochs \(default: 20\)/,
    /--lr <x>.*\(default: 1e-4\)/,
    /--label-fraction <x>/,
    /--dense-scans <n>.*\(default: 2\)/,
    /--dense-step <n>.*\(default: 4\)/,
    /--no-patches/,
    /--no-random/,
  ])
    assert.match(help, re);
});
