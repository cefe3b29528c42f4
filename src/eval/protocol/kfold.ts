import { createHash } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { protocolRng } from './seed.js';
import { ensureDir } from '../../engine/checkpoint/ensure-dir.js';

/**
 * k-fold cross-validation over PATIENTS (docs/protocol.md §1; the papers use 5 folds). The folds partition the ids they
 * are given, so every image/slice of a patient lands in the same fold: pass patient ids (or volume ids only where
 * each patient has a single volume — two volumes of one patient in two folds would leak).
 *
 * Determinism: the ids are sorted (so the input order does not matter), shuffled with the seeded protocol stream
 * 'kfold', and dealt round-robin, so fold sizes differ by at most one. The folds are written to a splits file
 * (JSON: seed, k, the test ids of every fold and a SHA-256 of the sorted id list); reading it back with the data set's
 * ids gives the identical folds and refuses, naming both hashes, a file made for a different data set.
 */

export const SPLITS_FORMAT = 'medcl-splits';
export const SPLITS_VERSION = 1;

export type SplitUnit = 'patient' | 'volume';

export interface KFoldOptions {
  /** number of folds (default 5, the papers' 5-fold cross-validation) */
  k?: number;
  seed: number;
  /** what an id names (default 'patient'); written to the splits file for the reader */
  unit?: SplitUnit;
}

export interface Splits {
  unit: SplitUnit;
  seed: number;
  k: number;
  numPatients: number;
  /** `sha256:<hex>` of the sorted ids (see hashPatients) */
  patientsHash: string;
  /** the test ids of each fold, each list sorted */
  folds: string[][];
}

/** one fold: its test ids, and the ids of every other fold as its training part (both sorted) */
export interface Fold {
  index: number;
  train: string[];
  test: string[];
}

/** `sha256:<hex>` of the sorted, distinct ids (JSON-encoded, so an id holding a separator cannot collide) */
export function hashPatients(ids: readonly string[]): string {
  const sorted = distinctSorted(ids, 'patients');
  return 'sha256:' + createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
}

/** Splits `patients` into k folds of sizes differing by at most one. */
export function kFold(patients: readonly string[], options: KFoldOptions): Splits {
  const k = options.k ?? 5;
  if (!Number.isInteger(k) || k < 2) throw new Error(`kFold: k must be an integer >= 2, got ${k}`);
  const sorted = distinctSorted(patients, 'kFold: patients');
  if (k > sorted.length) {
    throw new Error(`kFold: k = ${k} folds need at least ${k} patients, got ${sorted.length}`);
  }
  const rng = protocolRng(options.seed, 'kfold');
  const order = rng.shuffle(sorted.slice());
  const folds: string[][] = Array.from({ length: k }, () => []);
  order.forEach((id, i) => folds[i % k]!.push(id));
  for (const f of folds) f.sort(compareIds);
  return {
    unit: options.unit ?? 'patient',
    seed: options.seed,
    k,
    numPatients: sorted.length,
    patientsHash: hashPatients(sorted),
    folds,
  };
}

/** fold `index` (0-based) of the splits: test = that fold, train = all the others */
export function getFold(splits: Splits, index: number): Fold {
  if (!Number.isInteger(index) || index < 0 || index >= splits.k) {
    throw new Error(`getFold: fold index must be an integer in [0, ${splits.k}), got ${index}`);
  }
  const train = splits.folds.filter((_, i) => i !== index).flat();
  train.sort(compareIds);
  return { index, train, test: splits.folds[index]!.slice() };
}

export function allFolds(splits: Splits): Fold[] {
  return splits.folds.map((_, i) => getFold(splits, i));
}

/** Writes the splits as JSON (creating the folder). */
export async function writeSplits(file: string, splits: Splits): Promise<void> {
  validateSplits(splits, file);
  const doc = { format: SPLITS_FORMAT, version: SPLITS_VERSION, ...splits };
  ensureDir(dirname(file));
  await writeFile(file, JSON.stringify(doc, null, 2) + '\n');
}

/**
 * Reads a splits file and checks it (format, fields, folds a partition of the ids, the hash). With `patients`, also
 * checks that the file was made for exactly these ids and refuses otherwise.
 */
export async function readSplits(file: string, patients?: readonly string[]): Promise<Splits> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new Error(`splits file ${file}: cannot read: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`splits file ${file}: not valid JSON: ${(e as Error).message}`);
  }
  const splits = parseSplits(doc, file);
  if (patients) checkSplitsMatch(splits, patients, file);
  return splits;
}

/**
 * The splits of `file` when it exists (checked against `patients`, and against `options.seed`/`k` so that a run
 * never silently uses folds it did not ask for); otherwise new splits, written to `file`.
 */
export async function loadOrCreateSplits(
  file: string,
  patients: readonly string[],
  options: KFoldOptions,
): Promise<Splits> {
  let exists = true;
  try {
    await stat(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    exists = false;
  }
  if (!exists) {
    const splits = kFold(patients, options);
    await writeSplits(file, splits);
    return splits;
  }
  const splits = await readSplits(file, patients);
  const k = options.k ?? 5;
  if (splits.seed !== options.seed || splits.k !== k) {
    throw new Error(
      `splits file ${file}: made with seed ${splits.seed} and k ${splits.k}, but this run asks for seed ` +
        `${options.seed} and k ${k}; use the file's settings or another splits file`,
    );
  }
  return splits;
}

/** Throws unless `splits` was made for exactly the ids `patients`. */
export function checkSplitsMatch(splits: Splits, patients: readonly string[], source = 'splits'): void {
  const hash = hashPatients(patients);
  if (hash === splits.patientsHash) return;
  const inFile = new Set(splits.folds.flat());
  const given = new Set(patients);
  const missing = [...given].filter((p) => !inFile.has(p));
  const extra = [...inFile].filter((p) => !given.has(p));
  const show = (a: string[]) =>
    a
      .slice(0, 5)
      .map((s) => JSON.stringify(s))
      .join(', ') + (a.length > 5 ? ', …' : '');
  throw new Error(
    `splits file ${source} was made for a different data set: it holds ${splits.numPatients} patients ` +
      `(${splits.patientsHash}), this data set has ${given.size} (${hash})` +
      (missing.length ? `; not in the file: ${show(missing)}` : '') +
      (extra.length ? `; only in the file: ${show(extra)}` : ''),
  );
}

function parseSplits(doc: unknown, file: string): Splits {
  const fail = (field: string, msg: string): never => {
    throw new Error(`splits file ${file}: ${field}: ${msg}`);
  };
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return fail('(top level)', 'expected an object');
  const d = doc as Record<string, unknown>;
  if (d.format !== SPLITS_FORMAT) fail('format', `expected "${SPLITS_FORMAT}", got ${JSON.stringify(d.format)}`);
  if (d.version !== SPLITS_VERSION) fail('version', `expected ${SPLITS_VERSION}, got ${JSON.stringify(d.version)}`);
  if (d.unit !== 'patient' && d.unit !== 'volume') fail('unit', `expected "patient" or "volume"`);
  if (!Number.isSafeInteger(d.seed)) fail('seed', 'expected an integer');
  if (!Number.isInteger(d.k) || (d.k as number) < 2) fail('k', 'expected an integer >= 2');
  if (!Number.isInteger(d.numPatients)) fail('numPatients', 'expected an integer');
  if (typeof d.patientsHash !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(d.patientsHash)) {
    fail('patientsHash', 'expected "sha256:" and 64 hex digits');
  }
  if (!Array.isArray(d.folds)) return fail('folds', 'expected an array of arrays of ids');
  d.folds.forEach((f, i) => {
    if (!Array.isArray(f)) fail(`folds[${i}]`, 'expected an array of ids');
    (f as unknown[]).forEach((id, j) => {
      if (typeof id !== 'string' || id === '') fail(`folds[${i}][${j}]`, 'expected a non-empty string');
    });
  });
  const splits: Splits = {
    unit: d.unit as SplitUnit,
    seed: d.seed as number,
    k: d.k as number,
    numPatients: d.numPatients as number,
    patientsHash: d.patientsHash as string,
    folds: (d.folds as string[][]).map((f) => f.slice()),
  };
  validateSplits(splits, file);
  return splits;
}

/** internal consistency: k folds, non-empty, disjoint, sizes within one, count and hash of the ids as recorded */
function validateSplits(s: Splits, file: string): void {
  const fail = (field: string, msg: string): never => {
    throw new Error(`splits file ${file}: ${field}: ${msg}`);
  };
  if (s.folds.length !== s.k) fail('folds', `expected k = ${s.k} folds, got ${s.folds.length}`);
  const seen = new Map<string, number>();
  s.folds.forEach((f, i) => {
    if (f.length === 0) fail(`folds[${i}]`, 'empty fold');
    for (const id of f) {
      const prev = seen.get(id);
      if (prev !== undefined) fail(`folds[${i}]`, `patient ${JSON.stringify(id)} is also in fold ${prev}`);
      seen.set(id, i);
    }
  });
  if (seen.size !== s.numPatients) fail('numPatients', `says ${s.numPatients}, the folds hold ${seen.size}`);
  const sizes = s.folds.map((f) => f.length);
  if (Math.max(...sizes) - Math.min(...sizes) > 1) fail('folds', `unbalanced fold sizes ${sizes.join(', ')}`);
  const hash = hashPatients([...seen.keys()]);
  if (hash !== s.patientsHash) fail('patientsHash', `does not match the ids in the folds (${hash}); edited file?`);
}

function distinctSorted(ids: readonly string[], what: string): string[] {
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (typeof id !== 'string' || id === '') throw new Error(`${what}[${i}]: expected a non-empty string id`);
    if (seen.has(id)) throw new Error(`${what}[${i}]: duplicate id ${JSON.stringify(id)}`);
    seen.add(id);
  });
  return [...seen].sort(compareIds);
}

/** code-unit order (locale-independent, so every machine sorts alike) */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
