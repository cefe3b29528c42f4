/**
 * `medcl pretrain-drasclr`'s options come from the DrasCLR config schema: every flag keeps its name (`--queue` sets
 * queueSize), --help shows the schema's defaults, and a bad value is an error naming the option before any work.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { program } from './fixtures.js';
import { register } from '../../src/cli/pretrain-drasclr.js';

const medcl = (...args: string[]) =>
  program(register).parseAsync(['node', 'medcl', 'pretrain-drasclr', '--data', 'm.json', ...args]);

test('pretrain-drasclr: bad values are errors naming each option, all at once', async () => {
  await assert.rejects(
    medcl('--out', 'o', '--epochs', '0', '--queue', '-8', '--min-dice', '2', '--patch-size', '2'),
    (e: Error) =>
      /^pretrain-drasclr: invalid options:/.test(e.message) &&
      ['--epochs', '--queue', '--min-dice', '--patch-size'].every((f) =>
        new RegExp(`^ {2}${f}: `, 'm').test(e.message),
      ),
  );
  await assert.rejects(medcl('--out', 'o', '--lung-labels', '1,x'), /expected an integer, got "x"/);
  await assert.rejects(medcl('--out', 'o', '--lr', 'fast'), /expected a number, got "fast"/);
  await assert.rejects(program(register).parseAsync(['node', 'medcl', 'pretrain-drasclr', '--data', 'm']), /--out/);
});

test('pretrain-drasclr: --queue and --batch-size reach queueSize and batchSize (their rule is checked)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'medcl-cli-dras-'));
  try {
    await assert.rejects(
      medcl('--out', dir, '--queue', '6', '--batch-size', '4'),
      /queueSize \(6\) must be a multiple of batchSize \(4\)/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pretrain-drasclr --help: the flags with the schema defaults', () => {
  const cmd = program(register).commands.find((c) => c.name() === 'pretrain-drasclr')!;
  const help = cmd.helpInformation().replace(/\s+/g, ' ');
  for (const re of [
    /--queue <k>\s+keys per landmark queue K.*\(default: 4096\)/,
    /--epochs <n>\s+epochs.*\(default: 20\)/,
    /--batch-size <n>.*\(default: 128\)/,
    /--lr <x>.*\(default: 0\.01\)/,
    /--spacing <mm>.*\(default: 1\)/,
    /--patch-size <d>.*\(default: 32\)/,
    /--step <n>.*\(default: 26\)/,
    /--neighbours <n>.*\(default: 2\)/,
    /--min-dice <x>.*\(default: 0\.75\)/,
    /--lung-labels <list>/,
    /--items <list>/,
    /--atlas <item>/,
    /--cache-dir <dir>/,
    /--checkpoint-every <n>.*\(default: 1\)/,
    /--quiet/,
    /--restart/,
  ])
    assert.match(help, re);
});
