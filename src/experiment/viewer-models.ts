/**
 * The report's way into `medcl view`: the network of a cell whose predictions the report shows is exported as ONNX
 * next to the report (viewer/<method>-M<M>.onnx), and each overlay of a volume gets the command that opens that
 * volume with that network in the browser viewer (which segments 3D scans only, so 2D images get none).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ensureDir } from '../engine/checkpoint/ensure-dir.js';
import { exportSavedModelFile } from '../export/export-model.js';

/** an overlay `x.png`'s viewer command is kept in `x.viewer.txt` */
export const VIEWER_COMMAND_SUFFIX = '.viewer.txt';

/** a path as one shell word: as is when it is plain, else single-quoted */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Writes `<out>/viewer/<method>-M<budget>.onnx` from the fine-tuned model folder; returns its absolute path, or null
 * (with the reason logged) when the network cannot be exported, so a report is never lost to the viewer link.
 */
export function exportViewerModel(
  out: string,
  method: string,
  budget: number | 'all',
  modelDir: string,
  log: (line: string) => void,
): string | null {
  const file = path.resolve(out, 'viewer', `${method}-M${budget}.onnx`);
  try {
    ensureDir(path.dirname(file));
    exportSavedModelFile(modelDir, file);
    return file;
  } catch (err) {
    log(`  ${method}: no viewer model (${(err as Error).message})`);
    return null;
  }
}

/** the command that opens `scan` segmented by `model` in the browser viewer */
export function viewerCommand(model: string, scan: string): string {
  return `medcl view --model ${shellWord(model)} --scan ${shellWord(path.resolve(scan))} --open`;
}

/** the viewer command kept beside an overlay picture, if any */
export function readViewerCommand(png: string): string | undefined {
  try {
    return readFileSync(png.replace(/\.png$/, VIEWER_COMMAND_SUFFIX), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
