/**
 * The fidelity bench's data: two CT phantom archives from two acquisition protocols (src/phantoms/ct.ts).
 *   target/  the semi-supervised set: `labelled` subjects with organ labels and `unlabelled` more without (a hospital
 *            archive: many scans, few masks); fine-tuning and testing use the labelled ones, pre-training sees all.
 *   source/  the transfer source: another protocol (larger FOV, lower dose, every scan enhanced), no labels used;
 *            pre-trained on, then fine-tuned and tested on target's labelled subjects (like PCL's CHD -> MMWHS).
 */
import type { FidelityScale } from './scale.js';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writePhantoms } from '../../src/phantoms/write.js';
import { DEFAULT_SCANNER, SECOND_SCANNER, type CtScanner } from '../../src/phantoms/ct.js';

export interface FidelityData {
  /** manifest: labelled + unlabelled target subjects */
  target: string;
  /** manifest: source-protocol subjects, labels removed */
  source: string;
}

export interface FidelityDataOptions {
  out: string;
  labelled: number;
  unlabelled: number;
  source: number;
  shape: [number, number, number];
  seed: number;
  /** the source archive's protocol (default SECOND_SCANNER; DEFAULT_SCANNER asks what the protocol change costs) */
  sourceScanner?: CtScanner;
}

/**
 * The transfer source's protocol: the second scanner's (`second`), the target's own (`target`: other subjects, same
 * protocol), or the target's with ONE of the second scanner's four differences (`fov` in-plane field of view,
 * `noise` dose, `coverage` z extent, `contrast` share of enhanced scans): which difference costs the transfer gain.
 */
export const TRANSFER_PROTOCOLS = ['second', 'target', 'fov', 'noise', 'coverage', 'contrast'] as const;
export type TransferProtocol = (typeof TRANSFER_PROTOCOLS)[number];

export function sourceScannerOf(p: TransferProtocol): CtScanner {
  const T = DEFAULT_SCANNER;
  const S = SECOND_SCANNER;
  if (p === 'second') return S;
  if (p === 'target') return T;
  if (p === 'fov') return { ...T, fovMm: S.fovMm };
  if (p === 'noise') return { ...T, noiseHU: S.noiseHU };
  if (p === 'coverage') return { ...T, coverageFrom: S.coverageFrom, coverageTo: S.coverageTo };
  return { ...T, contrastRate: S.contrastRate };
}

/** a transfer row's name suffix: `-transfer` (second scanner), `-transfer-same` (target's), `-transfer-<factor>` */
export const transferSuffix = (p: TransferProtocol): string =>
  p === 'second' ? '-transfer' : p === 'target' ? '-transfer-same' : `-transfer-${p}`;

/** Rewrites a phantom manifest: keeps the first `keepLabels` items' labels and drops the others'. */
function withLabels(manifest: string, keepLabels: number, out: string): string {
  const m = JSON.parse(readFileSync(manifest, 'utf8')) as { items: Record<string, unknown>[] };
  m.items = m.items.map((item, i) => {
    if (i < keepLabels) return item;
    const { label: _label, ...rest } = item;
    return rest;
  });
  writeFileSync(out, JSON.stringify(m, null, 1) + '\n');
  return out;
}

export async function writeFidelityData(o: FidelityDataOptions): Promise<FidelityData> {
  const targetDir = path.join(o.out, 'target');
  const sourceDir = path.join(o.out, 'source');
  await writePhantoms({
    out: targetDir,
    seed: o.seed,
    kinds: ['ct'],
    ct: { subjects: o.labelled + o.unlabelled, shape: o.shape, scanner: DEFAULT_SCANNER },
  });
  // another seed: other subjects, as another hospital's
  await writePhantoms({
    out: sourceDir,
    seed: o.seed + 1000,
    kinds: ['ct'],
    ct: { subjects: o.source, shape: o.shape, scanner: o.sourceScanner ?? SECOND_SCANNER },
  });
  const ct = (dir: string): string => path.join(dir, 'ct', 'manifest.json');
  return {
    target: withLabels(ct(targetDir), o.labelled, path.join(targetDir, 'ct', 'target.json')),
    source: withLabels(ct(sourceDir), 0, path.join(sourceDir, 'ct', 'source.json')),
  };
}

/** The data of one bench scale (its archive sizes and volume shape), written under `dir`. */
export function writeScaleData(
  s: Pick<FidelityScale, 'labelled' | 'unlabelled' | 'source' | 'shape'>,
  dir: string,
  seed: number,
  sourceScanner?: CtScanner,
): Promise<FidelityData> {
  return writeFidelityData({
    ...(sourceScanner ? { sourceScanner } : {}),
    out: dir,
    labelled: s.labelled,
    unlabelled: s.unlabelled,
    source: s.source,
    shape: s.shape,
    seed,
  });
}
