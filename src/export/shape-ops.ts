/**
 * Graph pieces whose sizes come from another value's shape at run time, so an exported model takes any batch and
 * image size its architecture accepts: bilinear resizing to another map's height and width (F.interpolate with
 * `size`), and broadcasting a 1×1 map over another map's height and width.
 */
import { attrInt, attrString, type GraphBuilder } from './graph.js';

/**
 * Bilinear resize of `x` (N, C, h, w) to the height and width of `like`, as F.interpolate(x, { size, mode:
 * 'bilinear', alignCorners }). ONNX's 'pytorch_half_pixel' is PyTorch's align_corners = false rule
 * (source = (dst + ½)·in/out − ½, clamped at 0); 'align_corners' is its align_corners = true.
 */
export function resizeBilinearLike(
  g: GraphBuilder,
  x: string,
  like: string,
  alignCorners: boolean,
  name: string,
): string {
  const nc = g.op('Shape', [x], `${name}/nc`, [attrInt('start', 0), attrInt('end', 2)]);
  const hw = g.op('Shape', [like], `${name}/hw`, [attrInt('start', 2), attrInt('end', 4)]);
  const sizes = g.op('Concat', [nc, hw], `${name}/sizes`, [attrInt('axis', 0)]);
  return g.op('Resize', [x, '', '', sizes], name, [
    attrString('mode', 'linear'),
    attrString('coordinate_transformation_mode', alignCorners ? 'align_corners' : 'pytorch_half_pixel'),
  ]);
}

/**
 * `x` (N, C, 1, 1) repeated over the height and width of `like`: what bilinear interpolation of a 1×1 map gives
 * (every output pixel's four neighbours are the one input pixel), exactly.
 */
export function broadcastLike(g: GraphBuilder, x: string, like: string, name: string): string {
  const ones = g.int64s(`${name}/ones`, [1, 1]);
  const hw = g.op('Shape', [like], `${name}/hw`, [attrInt('start', 2), attrInt('end', 4)]);
  const shape = g.op('Concat', [ones, hw], `${name}/shape`, [attrInt('axis', 0)]);
  return g.op('Expand', [x, shape], name);
}
