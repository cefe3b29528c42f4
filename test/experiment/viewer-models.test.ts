/**
 * The report's viewer links: shell words that bash reads back as the same string (bash is the referee), the viewer
 * command's argv, the exported network readable as ONNX with its metadata, and an export failure that only logs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { manualSeed } from '../../src/engine/index.js';
import { readOnnxModelInfo } from '../../src/export/reader.js';
import { createModel } from '../../src/models/registry.js';
import { saveSegmentationModel } from '../../src/models/saved.js';
import {
  exportViewerModel,
  readViewerCommand,
  shellWord,
  VIEWER_COMMAND_SUFFIX,
  viewerCommand,
} from '../../src/experiment/viewer-models.js';

/** the argv bash makes of a command line */
function bashWords(line: string): string[] {
  const out = execFileSync('bash', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

test('shellWord: bash reads every word back unchanged, plain paths stay unquoted', () => {
  const words = [
    '/data/ct/s01.nii.gz',
    'a b',
    "it's",
    '$HOME',
    '`id`',
    'x;rm -rf y',
    'tab\there',
    'new\nline',
    'glob*?[a]',
    'ünïcode',
    "''",
    '-dash',
  ];
  for (const w of words) assert.deepEqual(bashWords(shellWord(w)), [w], JSON.stringify(w));
  assert.equal(shellWord('/data/ct/s01.nii.gz'), '/data/ct/s01.nii.gz');
});

test('viewerCommand: medcl view with the model, the absolute scan path and --open, as bash splits it', () => {
  const line = viewerCommand('/runs/x/viewer/pcl-M2.onnx', 'data/my scans/s 01.nii.gz');
  assert.deepEqual(bashWords(line), [
    'medcl',
    'view',
    '--model',
    '/runs/x/viewer/pcl-M2.onnx',
    '--scan',
    resolve('data/my scans/s 01.nii.gz'),
    '--open',
  ]);
});

test('exportViewerModel: viewer/<method>-M<M>.onnx with the preprocessing metadata; a bad model only logs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'medcl-viewer-models-'));
  try {
    manualSeed(3);
    const model = createModel('unet', { widths: [4, 8], numClasses: 2 });
    saveSegmentationModel(join(dir, 'ft', 'model'), model, {
      model: 'unet',
      options: { widths: [4, 8] },
      numClasses: 2,
      preset: 'ct-pcl',
      size: 32,
    });
    const lines: string[] = [];
    const log = (l: string): void => void lines.push(l);
    const file = exportViewerModel(join(dir, 'exp'), 'pcl', 2, join(dir, 'ft', 'model'), log);
    assert.equal(file, resolve(dir, 'exp', 'viewer', 'pcl-M2.onnx'));
    const info = readOnnxModelInfo(file!);
    assert.equal(info.opset, 17);
    assert.equal(info.metadata.get('medcl.preset'), 'ct-pcl');
    assert.deepEqual(lines, []);
    const none = exportViewerModel(join(dir, 'exp'), 'gcl', 'all', join(dir, 'missing'), log);
    assert.equal(none, null);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /gcl: no viewer model \(.*missing/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readViewerCommand: the command kept beside an overlay picture, none when absent or empty', () => {
  const dir = mkdtempSync(join(tmpdir(), 'medcl-viewer-cmd-'));
  try {
    mkdirSync(join(dir, 'overlays'));
    const png = join(dir, 'overlays', 'pcl-sample3.png');
    assert.equal(readViewerCommand(png), undefined);
    writeFileSync(png.replace(/\.png$/, VIEWER_COMMAND_SUFFIX), 'medcl view --model m.onnx --scan s.nii.gz --open\n');
    assert.equal(readViewerCommand(png), 'medcl view --model m.onnx --scan s.nii.gz --open');
    writeFileSync(png.replace(/\.png$/, VIEWER_COMMAND_SUFFIX), '\n');
    assert.equal(readViewerCommand(png), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
