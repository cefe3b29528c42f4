/**
 * Spacings of a DICOM volume that do not come from slice positions, with their checks and fallbacks (docs/data.md):
 *
 * - in-plane: PixelSpacing (or ImagerPixelSpacing), the same on every frame (else an error naming two files that
 *   disagree); absent on every frame: 1 mm with a warning.
 * - slice step without positions (a single slice, frames without ImagePositionPatient, a legacy multi-frame file):
 *   SpacingBetweenSlices, else SliceThickness, which must be > 0 (else an error naming the tag); both absent: 1 mm
 *   with a warning.
 */
import { ImageIoError } from '../errors.js';
import { FORMAT, type FrameInfo, T, tagName } from './attrs.js';
import type { DicomFile } from './parse.js';

export type Warn = (message: string) => void;

export interface FrameRef {
  file: DicomFile;
  index: number;
  info: FrameInfo;
}

/** A frame in messages: the file, and the frame number in a multi-frame file. */
export function frameLabel(f: FrameRef): string {
  return f.file.frames.length > 1 ? `${f.file.path} frame ${f.index}` : f.file.path;
}

/** [between rows, between columns] in mm, shared by every frame. */
export function inPlaneSpacing(frames: readonly FrameRef[], where: string, warn: Warn): [number, number] {
  const withSpacing = frames.filter((f) => f.info.pixelSpacing);
  if (withSpacing.length === 0) {
    warn(`${FORMAT}: ${where}: no ${tagName(T.pixelSpacing)} or ImagerPixelSpacing (0018,1164): 1 mm assumed`);
    return [1, 1];
  }
  const first = withSpacing[0]!;
  const ps = first.info.pixelSpacing!;
  const without = frames.find((f) => !f.info.pixelSpacing);
  if (without)
    throw new ImageIoError(
      FORMAT,
      where,
      `${tagName(T.pixelSpacing)} is [${ps.join(', ')}] in ${frameLabel(first)} but absent in ${frameLabel(without)}`,
    );
  const tol = (x: number): number => Math.max(1e-4, 1e-4 * x);
  for (const f of frames) {
    const q = f.info.pixelSpacing!;
    if (Math.abs(q[0] - ps[0]) > tol(ps[0]) || Math.abs(q[1] - ps[1]) > tol(ps[1]))
      throw new ImageIoError(
        FORMAT,
        where,
        `slices disagree on ${tagName(T.pixelSpacing)}: [${ps.join(', ')}] in ${frameLabel(first)}, [${q.join(', ')}] in ${frameLabel(f)}`,
      );
  }
  return ps;
}

/** The slice step (mm) when positions do not give it: SpacingBetweenSlices, else SliceThickness, else 1 mm. */
export function fallbackStep(info: FrameInfo, path: string, warn: Warn): number {
  const [tag, v] =
    info.spacingBetweenSlices !== undefined
      ? [T.spacingBetweenSlices, info.spacingBetweenSlices]
      : [T.sliceThickness, info.sliceThickness];
  if (v === undefined) {
    warn(
      `${FORMAT}: ${path}: no SpacingBetweenSlices (0018,0088) or SliceThickness (0018,0050): slice step 1 mm assumed`,
    );
    return 1;
  }
  if (!(v > 0)) throw new ImageIoError(FORMAT, path, `${tagName(tag)} is ${v}: a slice step must be > 0 mm`);
  return v;
}

/**
 * A legacy multi-frame file (one ImagePositionPatient for the whole file): frame f lies f slice steps along the
 * slice normal from that position.
 */
export function placeLegacyFrames(file: DicomFile, warn: Warn): void {
  const frames = file.frames;
  const base = frames[0]!;
  const p0 = base.position;
  const o = base.orientation;
  if (frames.length < 2 || !p0 || !o || !frames.every((fr) => fr.position === p0)) return;
  const n = [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]];
  const dz = fallbackStep(base, file.path, warn);
  frames.forEach((fr, f) => {
    fr.position = [p0[0] + f * dz * n[0]!, p0[1] + f * dz * n[1]!, p0[2] + f * dz * n[2]!];
  });
}
