/**
 * The page's controls (index.html) and the few things every step shows: a message for what went wrong (in the
 * page, never only in the console), a status line, the progress bar and the class legend. `body[data-state]`
 * says where the viewer is (starting, ready, loading, segmenting, segmented, saving, saved, error), for people
 * styling it and for the browser test.
 */
import { cssColour } from './palette.js';

function el<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`viewer page: element #${id} missing`);
  return e as T;
}

export type ViewerState = 'starting' | 'ready' | 'loading' | 'segmenting' | 'segmented' | 'saving' | 'saved' | 'error';

export function getUi() {
  return {
    canvas: el<HTMLCanvasElement>('gl'),
    modelInput: el<HTMLInputElement>('model-input'),
    scanInput: el<HTMLInputElement>('scan-input'),
    modelName: el('model-name'),
    backend: el('backend'),
    modelInfo: el('model-info'),
    scanInfo: el('scan-info'),
    segment: el<HTMLButtonElement>('segment'),
    progress: el<HTMLProgressElement>('progress'),
    progressText: el('progress-text'),
    legend: el('legend'),
    draw: el<HTMLInputElement>('draw'),
    undo: el<HTMLButtonElement>('undo'),
    opacity: el<HTMLInputElement>('opacity'),
    save: el<HTMLButtonElement>('save'),
    status: el('status'),
    message: el('message'),
    drop: el('drop'),
  };
}

export type Ui = ReturnType<typeof getUi>;

export function setState(state: ViewerState): void {
  document.body.dataset['state'] = state;
}

/** shows what went wrong in the page (and the console), clearing it with null */
export function showError(ui: Ui, err: unknown): void {
  if (err === null) {
    ui.message.hidden = true;
    ui.message.textContent = '';
    return;
  }
  const text = err instanceof Error ? err.message : String(err);
  console.error('medcl view:', err);
  ui.message.textContent = text;
  ui.message.hidden = false;
  setState('error');
}

export function showStatus(ui: Ui, text: string): void {
  ui.status.textContent = text;
}

export function setProgress(ui: Ui, done: number, total: number, text: string): void {
  ui.progress.max = Math.max(1, total);
  ui.progress.value = done;
  ui.progressText.textContent = text;
}

/** one radio button per class (its colour and name); picking one sets the pen; class 0 erases */
export function renderLegend(ui: Ui, classes: readonly string[], onPick: (k: number) => void): void {
  ui.legend.replaceChildren();
  classes.forEach((name, k) => {
    const label = document.createElement('label');
    const radio = document.createElement('input');
    radio.type = 'radio';
    radio.name = 'pen';
    radio.value = String(k);
    radio.checked = k === Math.min(1, classes.length - 1);
    radio.addEventListener('change', () => onPick(k));
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = k === 0 ? 'transparent' : cssColour(k);
    const text = document.createElement('span');
    text.textContent = k === 0 ? `${name} (erase)` : name;
    text.dataset['label'] = String(k);
    label.append(radio, swatch, text);
    ui.legend.append(label);
  });
}
