/**
 * Fidelity sweep: the two budgets the fidelity bench cut hardest, measured on the same phantoms, folds and seeds.
 *
 *   node .build/bench/fidelity/sweep.js [--out DIR] [--jobs N] [--seed N] [--steps N] [--variants pcl:8,pcl:32,...]
 *                                       (a variant is method:epochs[:field=value...], e.g. gcl:32:partitions=8
 *                                       or simclr:32:augment=pcl-intensity)
 *                                       [--all-steps N [--only-long]] [--size N] [--random-budgets 1,2,all|none]
 *                                       [--budgets 1,2,4] [--finetune field=value,...]
 *                                       [--transfer [--transfer-protocol second|target|fov|noise|coverage|contrast]]
 *
 * 1. Fine-tuning long enough for the small organs: every cell gets `--steps` fine-tuning steps (default 1,600, the
 *    number measured in docs/fidelity.md to fit them even on one volume) instead of the bench's 600-1,000.
 * 2. Pre-training length: each variant `method:epochs` (default pcl:8 and pcl:32; the paper: 200) is its own row
 *    (`pcl-32ep`), so PCL and its baselines (simclr:32, gcl:32) can be compared at the same pre-training budget.
 * Random is run at M = 1, 2 and all (does the task get learned at this budget?), each variant at M = 1 and 2.
 * 3. `--all-steps N`: one more row, Random at M = all fine-tuned N steps (is the task learned when it runs longer?).
 *    With `--only-long` that row alone (no verdict: it has no Random row to pair with).
 * 4. `--size N`: the slices' in-plane size the networks see (default the bench's 64; the phantoms stay 128²), e.g. to
 *    ask whether the small organs are learned at a higher resolution. Use a new --out: cells are reused by row name.
 * 5. `--random-budgets`: the Random row's budgets (default 1,2,all; `1,2` when the long row stands for M = all;
 *    `none` when Random's cells already exist in another out folder on the same seed, size and steps: the rows are
 *    then paired with them by `pool.js` after merging, see docs/fidelity.md).
 * 6. `--budgets`: the variants' budgets (default 1,2), e.g. `1,2,4` with `--random-budgets 1,2,4` to add PCL's M = 4
 *    column to a finished sweep: its pre-training and its M = 1, 2 cells are reused (same out folder).
 * 7. `--finetune`: fine-tuning config fields for every row, e.g. `augment=pcl,augmentStrength=0.1` (is Random with
 *    every label limited by over-fitting its 8 volumes?). Use a new --out: cells are reused by row name.
 * 8. `--transfer`: the variants pre-train on the transfer source (another protocol's archive, scale.ts) instead of the
 *    target's own volumes, rows `<variant>-transfer`; Random stays as it is (its transfer cells are its semi-supervised
 *    ones), so with `--random-budgets none` they pair with Random's cells of the same seed by `pool.js --same-draw`.
 * 9. `--transfer-protocol target`: the transfer source's subjects scanned with the target's protocol instead of the
 *    second one (same anatomy: the phantoms draw it before the protocol), rows `<variant>-transfer-same`: of what
 *    transfer loses against pre-training on the target's own volumes, how much is the protocol change and how much
 *    is not having seen the target's subjects? Use a new --out (the source archive differs).
 *    `--transfer-protocol fov|noise|coverage|contrast`: the target's protocol with one of the second's four
 *    differences (data.ts sourceScannerOf), rows `<variant>-transfer-<factor>`: which difference costs the gain?
 * Every shard lives in its own work folder; a rerun with more variants reuses the finished cells of the others.
 * Everything else is the bench's small scale (scale.ts). One table and one Holm-corrected paired verdict against Random;
 * writes DIR (default bench/results/fidelity/sweep): results.jsonl, table.md, ci.md, verdict.json, summary.json.
 * Last line: `fidelity sweep: <method>-<E>ep - random M=1 <d> [<lo>, <hi>], M=2 ... ; random all <dice>`
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { machine } from '../lib.js';
import { readRecords } from '../../src/experiment/records.js';
import {
  sourceScannerOf,
  TRANSFER_PROTOCOLS,
  transferSuffix,
  writeScaleData,
  type FidelityData,
  type TransferProtocol,
} from './data.js';
import { experimentInput, SCALES } from './scale.js';
import { runShards } from './shards.js';
import type { Budget } from '../../src/eval/protocol/budget.js';
import { summarizeSetting } from './summary.js';

interface Args {
  out: string;
  jobs: number;
  seed: number;
  steps: number;
  variants: Variant[];
  /** fine-tuning steps of an extra Random row at M = all (none: no such row) */
  allSteps?: number;
  /** run that extra row alone */
  onlyLong: boolean;
  /** in-plane size of the networks' input (default: the bench scale's) */
  size?: number;
  /** the Random row's budgets (default 1, 2, all) */
  randomBudgets: Budget[];
  /** the variants' budgets (default 1, 2) */
  budgets: Budget[];
  /** fine-tuning config fields for every row (numbers where they parse as one) */
  finetune: Record<string, string | number>;
  /** the variants pre-train on the transfer source */
  transfer: boolean;
  /** the transfer source's protocol (data.ts TRANSFER_PROTOCOLS): the second scanner (default), the target's own,
   * or the target's with one of the second's differences */
  transferProtocol: TransferProtocol;
}

/** one pre-trained row of the table: a method, its pre-training epochs and pre-training settings that differ */
interface Variant {
  method: string;
  epochs: number;
  /** pre-training config fields, e.g. positionThreshold (PCL's t) or partitions (GCL) */
  overrides: Record<string, number | string>;
}

const variantName = (v: Variant): string =>
  [`${v.method}-${v.epochs}ep`, ...Object.entries(v.overrides).map(([k, x]) => `${k}${x}`)].join('-');
/** Random pre-trains nothing; this only names its work folder (kept from the first sweep so its cells are reused) */
const RANDOM_EPOCHS = 8;

function parseArgs(argv: string[]): Args {
  const a: Args = {
    out: 'bench/results/fidelity/sweep',
    jobs: 2,
    seed: 0,
    steps: 1600,
    onlyLong: false,
    transfer: false,
    transferProtocol: 'second',
    randomBudgets: [1, 2, 'all'],
    budgets: [1, 2],
    finetune: {},
    variants: [
      { method: 'pcl', epochs: 8, overrides: {} },
      { method: 'pcl', epochs: 32, overrides: {} },
    ],
  };
  const int = (k: string, v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) <= 0) throw new Error(`fidelity sweep: ${k} needs a positive integer, got ${v}`);
    return Number(v);
  };
  const budgets = (k: string, v: string): Budget[] =>
    v.split(',').map((b): Budget => (b === 'all' ? 'all' : int(k, b)));
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i] === '--only-long' ? 'onlyLong' : argv[i] === '--transfer' ? 'transfer' : null;
    if (flag) {
      a[flag] = true;
      i--;
      continue;
    }
    const [k, v] = [argv[i]!, argv[i + 1]];
    if (v === undefined) throw new Error(`fidelity sweep: ${k} needs a value`);
    if (k === '--out') a.out = v;
    else if (k === '--jobs') a.jobs = int(k, v);
    else if (k === '--seed') a.seed = Number(v);
    else if (k === '--steps') a.steps = int(k, v);
    else if (k === '--all-steps') a.allSteps = int(k, v);
    else if (k === '--size') a.size = int(k, v);
    else if (k === '--random-budgets') a.randomBudgets = v === 'none' ? [] : budgets(k, v);
    else if (k === '--budgets') a.budgets = budgets(k, v);
    else if (k === '--finetune') a.finetune = parseFields(k, v);
    else if (k === '--variants') a.variants = v.split(',').map((e) => parseVariant(k, e, int));
    else if (k === '--transfer-protocol') {
      const p = TRANSFER_PROTOCOLS.find((x) => x === v);
      if (!p) throw new Error(`fidelity sweep: ${k} is one of ${TRANSFER_PROTOCOLS.join(', ')}, got ${v}`);
      a.transferProtocol = p;
    } else throw new Error(`fidelity sweep: unknown option ${k}`);
  }
  if (a.onlyLong && a.allSteps === undefined) throw new Error('fidelity sweep: --only-long needs --all-steps N');
  if (a.transferProtocol !== 'second' && !a.transfer)
    throw new Error('fidelity sweep: --transfer-protocol needs --transfer');
  return a;
}

/** `field=value` -> [field, number where it parses as one, else the string] */
function parseField(k: string, f: string): [string, string | number] {
  const [name, value] = f.split('=');
  if (!name || value === undefined || value === '') throw new Error(`fidelity sweep: ${k}: ${f} is not field=value`);
  return [name, Number.isFinite(Number(value)) && value.trim() !== '' ? Number(value) : value];
}

/** `field=value,...` -> { field: number | string } */
const parseFields = (k: string, v: string): Record<string, string | number> =>
  Object.fromEntries(v.split(',').map((f) => parseField(k, f)));

/** `method:epochs[:field=value...]`, e.g. pcl:32, pcl:32:positionThreshold=0.2, gcl:32:partitions=8 */
function parseVariant(k: string, v: string, int: (k: string, v: string) => number): Variant {
  const [method, epochs, ...fields] = v.split(':');
  if (!method || epochs === undefined || method === 'random') {
    throw new Error(`fidelity sweep: ${k} takes method:epochs[:field=value...] such as pcl:32, got ${v}`);
  }
  const overrides: Record<string, number | string> = {};
  for (const f of fields) {
    const [name, value] = parseField(k, f);
    // the one text field: the views' augmentation preset (e.g. simclr:32:augment=pcl-intensity)
    if (typeof value !== 'number' && name !== 'augment')
      throw new Error(`fidelity sweep: ${k}: ${f} is not field=number or augment=preset (in ${v})`);
    overrides[name] = value;
  }
  return { method, epochs: int(k, epochs), overrides };
}

/**
 * The phantoms, written once per out folder and reused by later runs (whose finished cells were computed on them;
 * a run must not rewrite files another run may be reading). Delete work/data to write them again.
 */
async function sweepData(dir: string, seed: number, protocol: Args['transferProtocol']): Promise<FidelityData> {
  const data = {
    target: path.join(dir, 'target', 'ct', 'target.json'),
    source: path.join(dir, 'source', 'ct', 'source.json'),
  };
  // folders written before the option have no marker: their source is the second protocol
  const marker = path.join(dir, 'source', 'protocol.txt');
  if (existsSync(data.target) && existsSync(data.source)) {
    const was = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : 'second';
    if (was !== protocol) {
      throw new Error(
        `fidelity sweep: ${dir} holds a source archive of the ${was} protocol, not ${protocol}; use another --out`,
      );
    }
    process.stdout.write(`fidelity sweep: reusing the phantoms in ${dir}\n`);
    return data;
  }
  const written = await writeScaleData(SCALES.small, dir, seed, sourceScannerOf(protocol));
  writeFileSync(marker, protocol + '\n');
  return written;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const base = { ...SCALES.small, ...(args.size !== undefined ? { size: args.size } : {}) };
  const epochsOfFinetune = Number(base.finetune['epochs']);
  // the same number of steps for every M: each of the fine-tuning epochs has at least steps/epochs steps
  const finetune = { ...base.finetune, ...args.finetune, minStepsPerEpoch: Math.ceil(args.steps / epochsOfFinetune) };
  const out = path.resolve(args.out);
  const work = path.join(out, 'work');
  mkdirSync(work, { recursive: true });
  const t0 = Date.now();
  const data = await sweepData(path.join(work, 'data'), args.seed, args.transferProtocol);
  // one shard per row: its name in the table, its work folder, its experiment
  const shard = (
    row: string,
    dir: string,
    method: string,
    epochs: number,
    budgets: Budget[],
    ft = finetune,
    overrides: Record<string, number | string> = {},
    setting: 'semi' | 'transfer' = 'semi',
  ) => {
    const pretrain = { ...base.pretrain, ...overrides, epochs };
    const scale = { ...base, budgets, transferBudgets: budgets, finetune: ft, pretrain };
    return { row, input: experimentInput(scale, setting, [method], data, path.join(work, dir), args.seed) };
  };
  // a variant's row (and work folder) name; transfer rows are their own rows beside the semi-supervised ones
  const suffix = args.transfer ? transferSuffix(args.transferProtocol) : '';
  const rowName = (v: Variant): string => variantName(v) + suffix;
  const setting = args.transfer ? 'transfer' : 'semi';
  const shards = args.onlyLong
    ? []
    : [
        ...(args.randomBudgets.length > 0
          ? [shard('random', `random-${RANDOM_EPOCHS}ep`, 'random', RANDOM_EPOCHS, args.randomBudgets)]
          : []),
        ...args.variants.map((v) =>
          shard(rowName(v), rowName(v), v.method, v.epochs, args.budgets, finetune, v.overrides, setting),
        ),
      ];
  if (args.allSteps !== undefined) {
    // is the task learned with every label when fine-tuning runs longer? (Random only, M = all)
    const long = { ...finetune, minStepsPerEpoch: Math.ceil(args.allSteps / epochsOfFinetune) };
    const row = `random-${args.allSteps}steps`;
    // the longest shard first, so that it does not run alone at the end
    shards.unshift(shard(row, `random-all-${args.allSteps}steps`, 'random', RANDOM_EPOCHS, ['all'], long));
  }
  const inputs = shards.map((s) => s.input);
  for (const input of inputs) mkdirSync(input.out, { recursive: true });
  await runShards(inputs, args.jobs);
  // each shard is a row of its own ("pcl-8ep"), paired with Random's cells on the same test volumes
  const records = shards.flatMap((s) =>
    readRecords(path.join(s.input.out, 'results.jsonl')).map((r) => ({ ...r, method: s.row })),
  );
  const summary = await summarizeSetting('sweep', [], out, args.seed, records);
  const seconds = (Date.now() - t0) / 1000;
  writeFileSync(
    path.join(out, 'summary.json'),
    JSON.stringify(
      { args, size: base.size, summary, seconds, machine: machine(), finetune, pretrain: base.pretrain },
      null,
      2,
    ) + '\n',
  );
  process.stdout.write(`fidelity sweep: ${(seconds / 60).toFixed(1)} min; tables in ${out}\n`);
  const line = (m: string, M: number): string => {
    const r = summary.verdict.find((v) => v.method === m && v.M === M);
    return r ? `M=${M} ${r.mean.toFixed(3)} [${r.lo.toFixed(3)}, ${r.hi.toFixed(3)}]` : `M=${M} not run`;
  };
  const mean = (m: string, M: Budget) => summary.table.find((r) => r.method === m && r.M === M)?.mean.toFixed(3);
  const all = (m: string) => mean(m, 'all') ?? 'not run';
  const long =
    args.allSteps !== undefined ? `; random-${args.allSteps}steps all ${all(`random-${args.allSteps}steps`)}` : '';
  if (args.onlyLong) {
    process.stdout.write(`fidelity sweep (${base.size} px)${long.slice(1)}\n`);
    return;
  }
  if (args.randomBudgets.length === 0) {
    // no Random row to pair with: the means only; the comparison comes from merging with a Random sweep
    const parts = args.variants
      .map(rowName)
      .map((n) => `${n} ${args.budgets.map((M) => `M=${M} ${mean(n, M)}`).join(', ')}`);
    process.stdout.write(
      `fidelity sweep (${base.size} px): ${parts.join('; ')}; no Random row (--random-budgets none): ` +
        `merge with a Random sweep of the same seed and size by pool.js --same-draw${long}\n`,
    );
    return;
  }
  const counted = args.budgets.filter((M): M is number => M !== 'all');
  const parts = args.variants.map(rowName).map((n) => `${n} - random ${counted.map((M) => line(n, M)).join(', ')}`);
  const randomAll = args.randomBudgets.includes('all') ? `; random all ${all('random')}` : '';
  process.stdout.write(`fidelity sweep (${base.size} px): ${parts.join('; ')}${randomAll}${long}\n`);
}

await main();
