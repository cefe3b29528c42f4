/**
 * Hand-written SVG plots, rendered to PNG with sharp (librsvg): the label-budget curve (line-plot.ts) and the scatter
 * plot of embeddings (scatter-plot.ts).
 */
import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';
import { ensureDir } from '../engine/checkpoint/ensure-dir.js';

export * from './line-plot.js';
export * from './scatter-plot.js';

/**
 * Renders an SVG document to PNG with sharp (librsvg); `scale` multiplies the pixel size (density 72 × scale).
 * Writes `file` when given (creating its folder) and returns the PNG bytes.
 */
export async function svgToPng(svg: string, file?: string, options: { scale?: number } = {}): Promise<Buffer> {
  const scale = options.scale ?? 1;
  if (!(scale > 0 && scale <= 8)) throw new Error(`svgToPng: scale must be in (0, 8], got ${scale}`);
  const png = await sharp(Buffer.from(svg), { density: 72 * scale })
    .png()
    .toBuffer();
  if (file) {
    ensureDir(dirname(file));
    await writeFile(file, png);
  }
  return png;
}
