/**
 * `medcl view`'s page: open a segmenter (served by `medcl view --model`, named by `?model=URL`, or opened by the
 * user), open a scan (file picker or drop; served by `medcl view --scan` or named by `?scan=URL`), segment it in the browser, correct the mask with NiiVue's pen, save
 * it as NIfTI on the scan's own grid and header. Every failure ends as a message in the page.
 */
import { Niivue, type NVImage } from '@niivue/niivue';
import { reorientFromLps } from '../../src/io/orient.js';
import { loadModel, type LoadedModel } from './model.js';
import { drawColormap } from './palette.js';
import { canonicalScan, checkScanFile, type CanonicalScan } from './scan.js';
import { segmentVolume } from './segment.js';
import { getUi, renderLegend, setProgress, setState, showError, showStatus } from './ui.js';
import { dropFiles, isDicomSelection, loadDicomSeries, niftiBytes } from './dicom.js';

const ui = getUi();
const nv = new Niivue({
  dragAndDropEnabled: false,
  backColor: [0.086, 0.094, 0.114, 1],
  show3Dcrosshair: true,
  isColorbar: false,
  logLevel: 'warn',
});
let model: LoadedModel | null = null;
let scan: (CanonicalScan & { name: string }) | null = null;
let busy = false;

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

function refreshButtons(): void {
  ui.segment.disabled = busy || !model || !scan;
  const hasMask = !busy && !!scan && nv.drawBitmap !== null;
  ui.save.disabled = !hasMask;
  ui.undo.disabled = !hasMask;
  ui.draw.disabled = busy || !scan || !model;
}

/** runs one user action: one at a time, its errors shown in the page */
async function action(state: 'loading' | 'segmenting' | 'saving', run: () => Promise<string>): Promise<void> {
  if (busy) return;
  busy = true;
  showError(ui, null);
  setState(state);
  refreshButtons();
  try {
    const done = await run();
    setState(done as never);
  } catch (err) {
    showError(ui, err);
  } finally {
    busy = false;
    refreshButtons();
    // actions finished so far, for scripts driving the page (the browser test)
    document.body.dataset['actions'] = String(Number(document.body.dataset['actions'] ?? 0) + 1);
  }
}

function useModel(loaded: LoadedModel): void {
  model = loaded;
  const s = loaded.segmenter;
  ui.modelName.textContent = loaded.name;
  ui.backend.textContent = loaded.backend;
  ui.modelInfo.textContent =
    `${s.preset}, ${s.size}x${s.size}${s.spacing ? `, ${s.spacing} mm` : ''}, ` + `${s.numClasses} classes`;
  nv.setDrawColormap(drawColormap(s.classes) as unknown as string);
  renderLegend(ui, s.classes, (k) => nv.setPenValue(k, false));
  nv.setPenValue(Math.min(1, s.classes.length - 1), false);
}

async function openModelBytes(bytes: Uint8Array, name: string): Promise<string> {
  const t0 = performance.now();
  useModel(await loadModel(bytes, name));
  showStatus(ui, `model ${name} ready in ${seconds(performance.now() - t0)}`);
  return 'ready';
}

async function showVolume(buffer: ArrayBuffer, name: string): Promise<NVImage> {
  nv.closeDrawing();
  while (nv.volumes.length > 0) nv.removeVolume(nv.volumes[0]!);
  await nv.loadFromArrayBuffer(buffer, name);
  const vol = nv.volumes[0];
  if (!vol) throw new Error(`${name}: NiiVue could not read it`);
  return vol;
}

async function openScan(files: File[]): Promise<string> {
  const t0 = performance.now();
  const inChannels = model?.segmenter.inChannels ?? 1;
  scan = null;
  let vol: NVImage;
  let name: string;
  if (isDicomSelection(files)) {
    const series = await loadDicomSeries(files);
    name = series.name;
    const bytes = await niftiBytes(nv, series.image);
    vol = await showVolume(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
      name,
    );
    if (series.note) showStatus(ui, series.note);
  } else {
    if (files.length !== 1) throw new Error(`drop one scan file at a time (got ${files.length} files)`);
    const file = files[0]!;
    name = file.name;
    await checkScanFile(file, inChannels);
    vol = await showVolume(await file.arrayBuffer(), name);
  }
  const canonical = canonicalScan(vol, name, inChannels);
  scan = { ...canonical, name };
  const [nz, ny, nx] = canonical.image.shape;
  const sp = [...canonical.image.spacing]
    .reverse()
    .map((v) => v.toFixed(2))
    .join(' x ');
  ui.scanInfo.textContent = `${name}: ${nx} x ${ny} x ${nz} voxels, ${sp} mm`;
  setProgress(ui, 0, 1, '');
  showStatus(ui, `scan loaded in ${seconds(performance.now() - t0)}`);
  return 'ready';
}

async function segment(): Promise<string> {
  if (!model || !scan) throw new Error('open a model and a scan first');
  const { segmenter, session } = model;
  const t0 = performance.now();
  const labels = await segmentVolume(model.ort, session, segmenter, scan.image, {
    batchSize: segmenter.fixedBatch ?? 8,
    onProgress: (p) =>
      setProgress(ui, p.done, p.total, p.phase === 'infer' ? `slice ${p.done} of ${p.total}` : `${p.phase}...`),
  });
  const fileOrder = reorientFromLps(labels.data, scan.size, scan.lps);
  const back = nv.volumes[0]!;
  // loadDrawing reads only the header dims, the voxels in file order and the file-to-RAS permutation
  nv.loadDrawing({ hdr: { dims: back.hdr!.dims }, img: fileOrder, permRAS: back.permRAS } as unknown as NVImage);
  const ms = performance.now() - t0;
  const counts = new Array<number>(segmenter.numClasses).fill(0);
  for (const v of labels.data) counts[v]!++;
  const found = counts.map((c, k) => `${segmenter.classes[k]}: ${c}`).join(', ');
  document.body.dataset['segmentMs'] = ms.toFixed(0);
  setProgress(ui, 1, 1, `${labels.shape[0]} slices in ${seconds(ms)} (${model.backend})`);
  showStatus(ui, `voxels per class: ${found}`);
  return 'segmented';
}

async function save(): Promise<string> {
  if (!scan || !nv.drawBitmap) throw new Error('nothing to save: segment the scan or paint a mask first');
  const base = scan.name.replace(/\.(nii\.gz|nii|nrrd|mha|dcm)$/i, '');
  const filename = `${base}_mask.nii.gz`;
  const ok = await nv.saveImage({ filename, isSaveDrawing: true, volumeByIndex: 0 });
  if (ok === false) throw new Error('NiiVue could not write the mask');
  showStatus(ui, `saved ${filename} (the scan's grid and orientation)`);
  return 'saved';
}

async function openFiles(files: File[]): Promise<void> {
  if (files.length === 0) return;
  if (files.length === 1 && /\.onnx$/i.test(files[0]!.name)) {
    const f = files[0]!;
    await action('loading', async () => openModelBytes(new Uint8Array(await f.arrayBuffer()), f.name));
  } else {
    await action('loading', () => openScan(files));
  }
}

interface ServedConfig {
  model?: string;
  name?: string;
  scan?: string;
  scanName?: string;
}

/** what `medcl view` serves (config.json: model, and the scan given with --scan); {} when opened as plain files */
async function servedConfig(): Promise<ServedConfig> {
  if (location.protocol === 'file:') return {};
  const res = await fetch('config.json').catch(() => null);
  return res?.ok ? ((await res.json()) as ServedConfig) : {};
}

const lastPart = (url: string, fallback: string): string => decodeURIComponent(url.split('/').pop() || fallback);

async function fetchBytes(url: string): Promise<ArrayBuffer> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`);
  return res.arrayBuffer();
}

/** the model named by ?model=URL or served by `medcl view --model` */
async function servedModel(config: ServedConfig): Promise<string> {
  const url = new URLSearchParams(location.search).get('model') ?? config.model;
  if (!url) {
    showStatus(ui, 'open a segmenter exported by `medcl export` (.onnx)');
    return 'ready';
  }
  const name = (url === config.model ? config.name : undefined) ?? lastPart(url, 'model.onnx');
  return openModelBytes(new Uint8Array(await fetchBytes(url)), name);
}

/** the scan named by ?scan=URL or served by `medcl view --scan` (the report's links), opened like a dropped file */
async function servedScan(config: ServedConfig): Promise<string> {
  const url = new URLSearchParams(location.search).get('scan') ?? config.scan;
  if (!url) return 'ready';
  const name = (url === config.scan ? config.scanName : undefined) ?? lastPart(url, 'scan.nii.gz');
  return openScan([new File([await fetchBytes(url)], name)]);
}

function wire(): void {
  ui.modelInput.addEventListener('change', () => void openFiles([...(ui.modelInput.files ?? [])]));
  ui.scanInput.addEventListener('change', () => void openFiles([...(ui.scanInput.files ?? [])]));
  ui.segment.addEventListener('click', () => void action('segmenting', segment));
  ui.save.addEventListener('click', () => void action('saving', save));
  ui.undo.addEventListener('click', () => nv.drawUndo());
  ui.draw.addEventListener('change', () => {
    nv.setDrawingEnabled(ui.draw.checked);
    refreshButtons();
  });
  ui.opacity.addEventListener('input', () => nv.setDrawOpacity(Number(ui.opacity.value)));
  let depth = 0;
  window.addEventListener('dragenter', (e) => {
    e.preventDefault();
    depth++;
    ui.drop.hidden = false;
  });
  window.addEventListener('dragleave', () => {
    if (--depth <= 0) ui.drop.hidden = true;
  });
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => {
    e.preventDefault();
    depth = 0;
    ui.drop.hidden = true;
    if (e.dataTransfer) void dropFiles(e.dataTransfer).then(openFiles, (err: unknown) => showError(ui, err));
  });
}

async function start(): Promise<void> {
  wire();
  await nv.attachToCanvas(ui.canvas);
  nv.setSliceType(nv.sliceTypeMultiplanar);
  nv.setDrawOpacity(Number(ui.opacity.value));
  busy = false;
  const config = await servedConfig();
  await action('loading', () => servedModel(config));
  await action('loading', () => servedScan(config));
}

start().catch((err: unknown) => showError(ui, err));
