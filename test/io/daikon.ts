// daikon (an independent JavaScript DICOM reader, MIT) as a reference decoder in the tests.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface DaikonImage {
  getInterpretedData(asArray?: boolean, asObject?: boolean, frameIndex?: number): Float32Array;
  getRows(): number;
  getCols(): number;
  getNumberOfFrames(): number;
  getPixelSpacing(): number[] | null;
  getImagePosition(): number[] | null;
  getImageDirections(): number[] | null;
  getSeriesId(): string;
  hasPixelData(): boolean;
}

interface Daikon {
  Series: { parseImage(view: DataView): DaikonImage | null };
  Utils: { toArrayBuffer(buf: Buffer): ArrayBuffer };
}

const daikon = createRequire(import.meta.url)('daikon') as Daikon;

export function daikonRead(path: string): DaikonImage {
  const img = daikon.Series.parseImage(new DataView(daikon.Utils.toArrayBuffer(readFileSync(path))));
  if (!img) throw new Error(`daikon cannot parse ${path}`);
  return img;
}
