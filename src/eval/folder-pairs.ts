/**
 * Pairs the label maps of a prediction folder with those of a reference folder by case name: the file name without
 * its image extension (`case_001.nii.gz` ↔ `case_001.nii.gz` or `case_001.mha`). Files of other kinds (JSON, CSV,
 * .npz) are ignored. As nnU-Net's evaluation: every prediction needs a reference (an error lists those without);
 * references without a prediction are returned, not evaluated.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** label-map files compared: NIfTI and the ITK formats (MetaImage, NRRD) */
const LABEL_FILE = /\.(nii|nii\.gz|mha|mhd|nrrd|nhdr)$/i;

export interface CasePair {
  case: string;
  pred: string;
  ref: string;
}

export interface FolderPairs {
  pairs: CasePair[];
  /** reference files with no prediction (case names) */
  unmatchedRefs: string[];
}

export function caseName(file: string): string {
  return path.basename(file).replace(LABEL_FILE, '');
}

/** case name → file, for the label-map files of a folder; two files of one case are an error */
export function labelFiles(dir: string, what: string): Map<string, string> {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a folder');
    names = readdirSync(dir).sort();
  } catch (e) {
    throw new Error(`evaluate: ${what} ${dir}: cannot read the folder: ${(e as Error).message}`);
  }
  const out = new Map<string, string>();
  for (const n of names) {
    if (!LABEL_FILE.test(n) || n.startsWith('.')) continue;
    const c = caseName(n);
    const prev = out.get(c);
    if (prev !== undefined)
      throw new Error(`evaluate: ${what} ${dir}: two files for case "${c}": ${path.basename(prev)} and ${n}`);
    out.set(c, path.join(dir, n));
  }
  return out;
}

export function pairFolders(predDir: string, refDir: string): FolderPairs {
  const pred = labelFiles(predDir, '--pred');
  const ref = labelFiles(refDir, '--ref');
  if (pred.size === 0) throw new Error(`evaluate: --pred ${predDir}: no .nii/.nii.gz/.mha/.nrrd file`);
  const missing = [...pred.keys()].filter((c) => !ref.has(c));
  if (missing.length > 0) {
    const shown = missing.slice(0, 10).map((c) => path.basename(pred.get(c)!));
    const more = missing.length > 10 ? ` ... (${missing.length} in all)` : '';
    throw new Error(`evaluate: no reference in ${refDir} for the predictions ${shown.join(', ')}${more}`);
  }
  const pairs = [...pred.entries()].map(([c, p]) => ({ case: c, pred: p, ref: ref.get(c)! }));
  const unmatchedRefs = [...ref.keys()].filter((c) => !pred.has(c));
  return { pairs, unmatchedRefs };
}
