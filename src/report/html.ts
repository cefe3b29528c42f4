import { writeFile } from 'node:fs/promises';
import { cpus, platform, release, arch, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { escapeXml } from './svg.js';
import { budgetLabel, formatCell, type ResultsTable } from './table.js';
import { ensureDir } from '../engine/checkpoint/ensure-dir.js';

/**
 * The self-contained HTML report: one file, inline CSS, images embedded (PNG/SVG as base64 data URIs) or linked by a
 * RELATIVE path. Sections, each optional except the title and summary: summary sentence (written by the caller),
 * results table, plots, overlay gallery, t-SNE, notes, config (JSON in <pre>), machine and time. All text given by
 * the caller is escaped (a method called `<script>` shows as text), links with a scheme (javascript:, http:) are
 * refused, and SVG is embedded as an <img> data URI, so nothing in it can run in the page.
 */

export interface ReportImage {
  caption: string;
  /** PNG bytes (embedded) */
  png?: Uint8Array;
  /** an SVG document (embedded) */
  svg?: string;
  /** a relative path to an image file next to the report (linked) */
  href?: string;
  /** a shell command shown under the caption (e.g. the one that opens the case in `medcl view`) */
  command?: string;
}

export interface MachineInfo {
  node: string;
  platform: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  /** e.g. the accelerator the run used */
  device?: string;
}

/** a plain table of text cells (e.g. the verdict's confidence intervals), escaped like all caller text */
export interface TextTable {
  heading: string;
  columns: readonly string[];
  rows: readonly (readonly string[])[];
  /** a caption under the table */
  caption?: string;
}

export interface HtmlReportInput {
  title: string;
  /** one or two sentences saying what was compared and what came out */
  summary: string;
  /** a table right after the results table, e.g. the verdict: paired differences to Random with their CIs */
  verdict?: TextTable;
  table?: ResultsTable;
  /** a caption under the table (e.g. the setting from describeSetting) */
  tableCaption?: string;
  plots?: readonly ReportImage[];
  overlays?: readonly ReportImage[];
  tsne?: readonly ReportImage[];
  notes?: readonly string[];
  /** the run's configuration (any JSON-able value) */
  config?: unknown;
  /** default machineInfo() */
  machine?: MachineInfo;
  /** default now */
  generatedAt?: Date;
  /** wall time of the run in seconds */
  durationSeconds?: number;
}

/** the machine this process runs on */
export function machineInfo(device?: string): MachineInfo {
  const c = cpus();
  return {
    node: process.version,
    platform: `${platform()} ${release()} ${arch()}`,
    cpu: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    ...(device ? { device } : {}),
  };
}

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:2rem auto;max-width:1100px;
padding:0 1rem;color:#1d1d1f;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.3rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
p.summary{font-size:1.05rem}
table.results{border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:.92rem}
table.results th,table.results td{padding:.3rem .6rem;border-bottom:1px solid #e5e5e5;text-align:right;white-space:nowrap}
table.results th.label,table.results td.label{text-align:left}
table.results thead th{border-bottom:2px solid #333}
figure{margin:0 0 1rem 0}figcaption{font-size:.85rem;color:#555;margin-top:.2rem}
.gallery{display:flex;flex-wrap:wrap;gap:1rem}.gallery figure{max-width:32%}.gallery img{max-width:100%;image-rendering:pixelated}
img{max-width:100%}
pre{background:#f6f6f6;padding:.8rem;overflow:auto;font-size:.8rem;border-radius:4px}
dl.machine{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem;font-size:.9rem}dl.machine dt{color:#555}
`;

/** The report as an HTML string. */
export function htmlReport(input: HtmlReportInput): string {
  if (typeof input.title !== 'string' || input.title === '') throw new Error('htmlReport: title is required');
  if (typeof input.summary !== 'string') throw new Error('htmlReport: summary is required');
  const e = escapeXml;
  const parts: string[] = [];
  parts.push('<!DOCTYPE html>');
  parts.push('<html lang="en"><head><meta charset="utf-8">');
  parts.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  parts.push(`<title>${e(input.title)}</title><style>${CSS}</style></head><body>`);
  parts.push(`<h1>${e(input.title)}</h1>`);
  parts.push(`<p class="summary">${e(input.summary)}</p>`);

  if (input.table) {
    parts.push(`<section id="table"><h2>Results: ${e(input.table.metric)}, mean (std) over folds</h2>`);
    parts.push(tableHtml(input.table));
    const cap =
      (input.tableCaption ? input.tableCaption + ' ' : '') +
      `Standard deviation: sample (n − 1) over folds. Best ${input.table.higherIsBetter ? 'highest' : 'lowest'} ` +
      `mean per column in bold.`;
    parts.push(`<p class="caption">${e(cap)}</p></section>`);
  }
  if (input.verdict) parts.push(textTableHtml(input.verdict, 'verdict'));
  const gallery = (id: string, heading: string, images: readonly ReportImage[] | undefined, cls: string) => {
    if (!images || images.length === 0) return;
    parts.push(`<section id="${id}"><h2>${e(heading)}</h2>`);
    if (images.some((im) => im.command))
      parts.push(
        '<p class="caption">The command under a figure opens that scan, segmented by that network, in medcl\'s ' +
          'browser viewer (served on this machine; with <code>--open</code> it opens the page itself, else visit ' +
          'the address it prints), where it can be scrolled in 3D, corrected and saved.</p>',
      );
    parts.push(`<div class="${cls}">`);
    images.forEach((im, i) => parts.push(figureHtml(im, `${id}[${i}]`)));
    parts.push('</div></section>');
  };
  gallery('plots', 'Label-budget curves', input.plots, 'plots');
  gallery('overlays', 'Predictions', input.overlays, 'gallery');
  gallery('tsne', 't-SNE of embeddings', input.tsne, 'plots');
  if (input.notes && input.notes.length) {
    parts.push('<section id="notes"><h2>Notes</h2><ul>');
    for (const n of input.notes) parts.push(`<li>${e(n)}</li>`);
    parts.push('</ul></section>');
  }
  if (input.config !== undefined) {
    parts.push('<section id="config"><h2>Configuration</h2>');
    parts.push(`<pre>${e(toJson(input.config))}</pre></section>`);
  }
  const m = input.machine ?? machineInfo();
  const when = (input.generatedAt ?? new Date()).toISOString();
  const rows: [string, string][] = [
    ['generated', when],
    ...(input.durationSeconds !== undefined
      ? [['run time', formatDuration(input.durationSeconds)] as [string, string]]
      : []),
    ['node', m.node],
    ['platform', m.platform],
    ['CPU', `${m.cpu} (${m.cores} cores)`],
    ['memory', `${m.memoryGiB} GiB`],
    ...(m.device ? [['device', m.device] as [string, string]] : []),
  ];
  parts.push('<section id="machine"><h2>Machine and time</h2><dl class="machine">');
  for (const [k, v] of rows) parts.push(`<dt>${e(k)}</dt><dd>${e(v)}</dd>`);
  parts.push('</dl></section>');
  parts.push('</body></html>');
  return parts.join('\n') + '\n';
}

/** Writes the report (creating the folder). */
export async function writeHtmlReport(file: string, input: HtmlReportInput): Promise<void> {
  const html = htmlReport(input);
  ensureDir(dirname(file));
  await writeFile(file, html);
}

/** the results table as an HTML table (same numbers and bold as the markdown) */
export function tableHtml(table: ResultsTable): string {
  const e = escapeXml;
  const hasGroups = table.rows.some((r) => r.group !== undefined);
  const out: string[] = ['<table class="results"><thead><tr>'];
  if (hasGroups) out.push(`<th class="label">${e(table.options.groupLabel)}</th>`);
  out.push('<th class="label">Method</th>');
  for (const b of table.budgets) out.push(`<th>${e(budgetLabel(table, b))}</th>`);
  out.push('</tr></thead><tbody>');
  let last: string | undefined;
  for (const row of table.rows) {
    out.push('<tr>');
    if (hasGroups) out.push(`<td class="label">${row.group === last ? '' : e(row.group!)}</td>`);
    last = row.group;
    out.push(`<td class="label">${e(row.method)}</td>`);
    for (const c of row.cells) {
      const t = e(formatCell(table, c));
      out.push(`<td>${c?.best ? `<strong>${t}</strong>` : t}</td>`);
    }
    out.push('</tr>');
  }
  out.push('</tbody></table>');
  return out.join('');
}

/** a TextTable as a section with a heading, the table and its caption */
export function textTableHtml(t: TextTable, id: string): string {
  const e = escapeXml;
  const out: string[] = [`<section id="${e(id)}"><h2>${e(t.heading)}</h2><table class="results"><thead><tr>`];
  t.columns.forEach((c, i) => out.push(`<th${i === 0 ? ' class="label"' : ''}>${e(c)}</th>`));
  out.push('</tr></thead><tbody>');
  for (const row of t.rows) {
    out.push('<tr>');
    row.forEach((c, i) => out.push(`<td${i === 0 ? ' class="label"' : ''}>${e(c)}</td>`));
    out.push('</tr>');
  }
  out.push('</tbody></table>');
  if (t.caption) out.push(`<p class="caption">${e(t.caption)}</p>`);
  out.push('</section>');
  return out.join('');
}

function figureHtml(im: ReportImage, where: string): string {
  const given = [im.png, im.svg, im.href].filter((x) => x !== undefined).length;
  if (given !== 1) throw new Error(`htmlReport: ${where}: give exactly one of png, svg, href`);
  let src: string;
  if (im.png) src = `data:image/png;base64,${Buffer.from(im.png).toString('base64')}`;
  else if (im.svg !== undefined) src = `data:image/svg+xml;base64,${Buffer.from(im.svg, 'utf8').toString('base64')}`;
  else {
    const href = im.href!;
    if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//') || href.startsWith('/')) {
      throw new Error(`htmlReport: ${where}.href: expected a relative path, got ${JSON.stringify(href)}`);
    }
    src = href
      .split('/')
      .map((p) => encodeURIComponent(p))
      .join('/');
  }
  const alt = escapeXml(im.caption);
  const command = im.command ? `<br><code class="command">${escapeXml(im.command)}</code>` : '';
  return `<figure><img src="${escapeXml(src)}" alt="${alt}"><figcaption>${alt}${command}</figcaption></figure>`;
}

function toJson(v: unknown): string {
  const text = JSON.stringify(
    v,
    (_k, x) => {
      if (typeof x === 'bigint') return x.toString();
      if (x instanceof Map) return Object.fromEntries(x);
      if (x instanceof Set) return [...x];
      if (ArrayBuffer.isView(x) && !(x instanceof DataView)) return Array.from(x as unknown as ArrayLike<number>);
      if (typeof x === 'number' && !Number.isFinite(x)) return String(x);
      return x;
    },
    2,
  );
  return text ?? String(v);
}

function formatDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return String(s);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.round(s % 60);
  return h ? `${h} h ${m} min` : m ? `${m} min ${sec} s` : `${(Math.round(s * 10) / 10).toFixed(1)} s`;
}
