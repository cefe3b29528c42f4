/**
 * results.jsonl: one JSON record per finished cell (method, M, fold), appended as each cell finishes, read back to
 * skip finished cells when an experiment is run again. Records written before the protocol fields existed (no
 * `selection`, `trainImages`, `encoder`) are still read; the report counts them as legacy records.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { Budget } from '../eval/protocol/budget.js';
import type { CaseResult } from '../train/finetune.js';
import type { ResultRecord } from '../report/table.js';

/** the pre-trained encoder a cell started from */
export interface EncoderRef {
  /** the pre-training run folder, relative to the experiment folder (e.g. pretrain/simclr/shared-1a2b3c4d5e6f) */
  run: string;
  /** 'fold': pre-trained for this fold; 'shared': one run serves every fold (transfer, or 'all-images') */
  scope: 'fold' | 'shared';
  /** shared runs: sha256 of the resolved pre-training config (without out) and the manifest's content */
  key?: string;
}

export interface CellRecord extends ResultRecord {
  /** per test case (Dice per class, mean Dice — null when every class was absent and excluded —, HD95) */
  cases: CaseResult[];
  /** 'last' or 'inner-validation' (absent in legacy records) */
  selection?: 'last' | 'inner-validation';
  /** the epoch whose weights were tested (0-based) */
  bestEpoch: number;
  /** mean validation Dice of that epoch ('inner-validation'); null with 'last' */
  bestValDice?: number | null;
  /** patients whose labels were trained on (M of them with unit 'patient') */
  trainPatients: number;
  /** labelled 2D images (slices, for volumes) trained on (M of them with unit 'image') */
  trainImages?: number;
  /** inner validation patients, drawn outside M (0 with selection 'last') */
  validationPatients: number;
  validationImages?: number;
  /** fine-tuning optimiser steps: per epoch, and in all */
  stepsPerEpoch?: number;
  totalSteps?: number;
  /** test cases left out of the mean Dice (every class absent from both maps, absentClasses 'exclude') */
  excludedCases?: number;
  /** unit of values.hd95 */
  hd95Unit?: 'mm' | 'px' | null;
  /** null for Random */
  encoder?: EncoderRef | null;
  /** tensors of the fine-tuned model loaded from the encoder (0 for Random) */
  loadedTensors?: number;
  /** sha256 of the settings that made this cell (cell-config.ts; absent in records of earlier versions) */
  configHash?: string;
  seconds: number;
}

export const cellKey = (method: string, M: Budget, fold: number): string => `${method}|${M}|${fold}`;

export function readRecords(file: string): CellRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      let r: CellRecord;
      try {
        r = JSON.parse(l) as CellRecord;
      } catch {
        throw new Error(`${file}: line ${i + 1} is not JSON (delete the line to recompute that cell)`);
      }
      if (typeof r.method !== 'string' || r.values === undefined || !Array.isArray(r.cases))
        throw new Error(`${file}: line ${i + 1} is not a cell record (delete the line to recompute that cell)`);
      return r;
    });
}

export function appendRecord(file: string, record: CellRecord): void {
  appendFileSync(file, JSON.stringify(record) + '\n');
}

/** records from before the protocol fields (their M may include validation patients) */
export function isLegacyRecord(r: CellRecord): boolean {
  return r.selection === undefined;
}
