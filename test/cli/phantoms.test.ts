import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { program } from './fixtures.js';
import { register } from '../../src/cli/phantoms.js';

const medcl = (): Command => program(register);

test('medcl data phantoms --small writes the chosen kinds with manifests', async () => {
  const out = await mkdtemp(join(tmpdir(), 'medcl-cli-phantoms-'));
  const write = process.stdout.write;
  const printed: string[] = [];
  process.stdout.write = ((s: string) => (printed.push(String(s)), true)) as typeof process.stdout.write;
  try {
    await medcl().parseAsync([
      'node',
      'medcl',
      'data',
      'phantoms',
      '--out',
      out,
      '--seed',
      '3',
      '--kinds',
      'xray,ct',
      '--small',
    ]);
  } finally {
    process.stdout.write = write;
  }
  try {
    const mx = JSON.parse(await readFile(join(out, 'xray', 'manifest.json'), 'utf8')) as {
      items: { patient: string }[];
    };
    assert.equal(new Set(mx.items.map((i) => i.patient)).size, 8); // the small set has 8 patients
    const mc = JSON.parse(await readFile(join(out, 'ct', 'manifest.json'), 'utf8')) as { items: unknown[] };
    assert.equal(mc.items.length, 4);
    await assert.rejects(readFile(join(out, 'lungct', 'manifest.json')));
    assert.match(printed.join(''), /xray: \d+ items/);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('medcl data phantoms: bad options are errors naming the option', async () => {
  await assert.rejects(
    medcl().parseAsync(['node', 'medcl', 'data', 'phantoms', '--out', '/tmp/x', '--kinds', 'xray,pet']),
    /--kinds \[1\]: unknown kind "pet" \(expected xray, ct, lungct\)/,
  );
  await assert.rejects(
    medcl().parseAsync(['node', 'medcl', 'data', 'phantoms', '--out', '/tmp/x', '--kinds', ',']),
    /--kinds: expected at least one kind/,
  );
  await assert.rejects(
    medcl().parseAsync(['node', 'medcl', 'data', 'phantoms', '--out', '/tmp/x', '--seed', '1.5']),
    /expected an integer/,
  );
  await assert.rejects(medcl().parseAsync(['node', 'medcl', 'data', 'phantoms']), /--out/);
});

test('register re-uses an existing `data` command', () => {
  const p = new Command();
  p.command('data').command('validate');
  register(p);
  const data = p.commands.filter((c) => c.name() === 'data');
  assert.equal(data.length, 1);
  assert.deepEqual(data[0]!.commands.map((c) => c.name()).sort(), ['phantoms', 'validate']);
});

test('data phantoms --help: the flags with the schema defaults', () => {
  const data = medcl().commands.find((c) => c.name() === 'data')!;
  const help = data.commands
    .find((c) => c.name() === 'phantoms')!
    .helpInformation()
    .replace(/\s+/g, ' ');
  assert.match(help, /--out <dir>/);
  assert.match(help, /--seed <n>\s+random seed \(default: 0\)/);
  assert.match(help, /--kinds <list>.*\(default: xray,ct,lungct\)/);
  assert.match(help, /--small\s+small, quick versions/);
});
