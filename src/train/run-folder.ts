/**
 * Opening a run's output folder, for pre-training, fine-tuning and experiments alike: the folder is made (an error
 * names it when it cannot be), locked for this run (run-lock.ts), and, when it holds state to resume from, the
 * previous run's config.json must have the same identity as this run's (run-config.ts) — unless `restart`, which
 * moves the folder's previous outputs to `previous/<time>/` inside it and starts afresh. Then this run's resolved
 * config is written to config.json. The folder stays locked until `release()` (or the end of a `using` block).
 */
import {
  accessSync,
  constants,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { ensureDir, writeFileAtomic } from '../engine/index.js';
import { lockRunFolder, type RunLock } from './run-lock.js';
import { ConfigChangedError, configDifferences, configIdentity, type IdentityRule } from './run-config.js';

export interface RunFolderSpec extends IdentityRule {
  /** names the run in messages ("pretrain", "finetune", "experiment") */
  what: string;
  /** the resolved config, written to config.json (left alone when absent) */
  config?: object;
  /** files or folders (relative to the folder) whose presence means there is a run to resume */
  resumeFrom: readonly string[];
  /** start afresh: move the previous outputs aside instead of resuming */
  restart?: boolean;
  /** entries kept in place on restart (e.g. a cache of preprocessed data) */
  keepOnRestart?: readonly string[];
}

export interface RunFolder extends Disposable {
  readonly dir: string;
  readonly lock: RunLock;
  /** where `restart` moved the previous outputs (null: nothing was moved) */
  readonly movedTo: string | null;
  release(): void;
}

/** reads config.json of a run to resume; every failure names the file and what to do */
export function readRunConfig(dir: string, what: string, state: string): Record<string, unknown> {
  const file = path.join(dir, 'config.json');
  const hint = 'start over with --restart, or use another output folder';
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`${what}: ${dir} holds ${state} but no readable config.json: its settings are unknown; ${hint}`);
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${what}: ${file} is not valid JSON (truncated?): ${(e as Error).message}; ${hint}`);
  }
}

function checkSameConfig(dir: string, spec: RunFolderSpec): void {
  const state = spec.resumeFrom.find((f) => existsSync(path.join(dir, f)));
  if (state === undefined || spec.config === undefined) return;
  const prev = configIdentity(readRunConfig(dir, spec.what, state), spec);
  const cur = configIdentity(spec.config, spec);
  if (prev.hash === cur.hash) return;
  throw new ConfigChangedError(dir, configDifferences(prev.fields, cur.fields), spec.what);
}

/** moves every entry but the lock's, previous/ and `keep` to previous/<time>/; returns that folder or null */
function moveAside(dir: string, keep: readonly string[]): string | null {
  const entries = readdirSync(dir).filter((e) => !e.startsWith('.medcl-lock') && e !== 'previous' && !keep.includes(e));
  if (entries.length === 0) return null;
  const to = path.join(dir, 'previous', new Date().toISOString().replace(/[:.]/g, '-'));
  ensureDir(to);
  for (const e of entries) renameSync(path.join(dir, e), path.join(to, e));
  return to;
}

/** A folder this run cannot write into is said plainly (a read-only mount, missing permission), naming it. */
function checkWritable(dir: string, what: string): void {
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'unknown';
    const why = code === 'EROFS' ? 'it is on a read-only file system' : code === 'EACCES' ? 'permission denied' : code;
    throw new Error(`${what}: cannot write into the output folder ${dir}: ${why} (${code})`);
  }
}

/** the temp files of writeFileAtomic (`.<name>.tmp-<pid>-<time>`) */
const ATOMIC_TEMP = /^\..+\.tmp-\d+-[0-9a-z]+$/;

/** Removes the temp files a killed run left behind (the folder is locked: no other run is writing them). */
function removeStaleTemps(dir: string): void {
  for (const e of readdirSync(dir)) if (ATOMIC_TEMP.test(e)) rmSync(path.join(dir, e), { force: true });
}

/** Makes, locks and checks the folder `out`; writes config.json. Release it when the run ends. */
export function openRunFolder(out: string, spec: RunFolderSpec): RunFolder {
  const dir = ensureDir(out);
  checkWritable(dir, spec.what);
  const lock = lockRunFolder(dir);
  try {
    removeStaleTemps(dir);
    const movedTo = spec.restart ? moveAside(dir, spec.keepOnRestart ?? []) : null;
    if (!spec.restart) checkSameConfig(dir, spec);
    if (spec.config !== undefined)
      writeFileAtomic(path.join(dir, 'config.json'), [Buffer.from(JSON.stringify(spec.config, null, 2) + '\n')]);
    return {
      dir,
      lock,
      movedTo,
      release: () => lock.release(),
      [Symbol.dispose]: () => lock.release(),
    };
  } catch (e) {
    lock.release();
    throw e;
  }
}

/**
 * The folder spec of a training run (pre-training, DrasCLR, fine-tuning): resumable from checkpoint.safetensors;
 * `out`, `cacheDir`, `checkpointEvery` and the loading settings (`loaderWorkers`, `loaderCacheMiB`: the same
 * numbers either way) and `device` (checkpoints are CPU tensors: a run resumes on any device) may change on resume,
 * and so may `epochs` where the schedule does not
 * depend on the total ('constant', 'cosine-restarts': extending such a run gives exactly the longer run's result).
 */
export function trainingRunSpec<C extends { out: string; epochs?: number; schedule?: string }>(
  what: string,
  config: C,
  opts: { restart?: boolean; keepOnRestart?: readonly string[]; alsoMayChange?: readonly string[] } = {},
): RunFolderSpec {
  const epochsFree = config.schedule === 'constant' || config.schedule === 'cosine-restarts';
  return {
    what,
    config,
    mayChange: [
      'out',
      'cacheDir',
      'checkpointEvery',
      'loaderWorkers',
      'loaderCacheMiB',
      'device',
      ...(epochsFree ? ['epochs'] : []),
      ...(opts.alsoMayChange ?? []),
    ],
    paths: ['data', 'init', 'pretrainData'],
    resumeFrom: ['checkpoint.safetensors'],
    restart: opts.restart ?? false,
    keepOnRestart: opts.keepOnRestart ?? [],
  };
}

/** `value` as indented JSON with a final newline (summary.json, scans.json, landmarks.json) */
export function writeJson(file: string, value: unknown): void {
  writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}
