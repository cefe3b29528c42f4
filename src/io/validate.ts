/** Checks an Image before a writer touches the disk, so that a bad image gives an error naming the target file. */
import { ImageIoError } from './errors.js';
import { type Image, numel } from './image.js';

export function checkWritableImage(image: Image, path: string, format: string): void {
  const nd = image.shape.length;
  if (nd !== 2 && nd !== 3)
    throw new ImageIoError(format, path, `cannot write shape [${image.shape.join(', ')}]: need 2 or 3 axes`);
  if (image.shape.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new ImageIoError(format, path, `invalid shape [${image.shape.join(', ')}]`);
  }
  if (image.data.length !== numel(image.shape)) {
    throw new ImageIoError(
      format,
      path,
      `data has ${image.data.length} values, shape [${image.shape.join(', ')}] needs ${numel(image.shape)}`,
    );
  }
  if (image.spacing.length !== nd || image.spacing.some((s) => !(s > 0) || !Number.isFinite(s))) {
    throw new ImageIoError(format, path, `invalid spacing [${image.spacing.join(', ')}]`);
  }
  if (image.direction.length !== nd * nd || !image.direction.every(Number.isFinite)) {
    throw new ImageIoError(
      format,
      path,
      `direction must have ${nd * nd} finite numbers, got ${image.direction.length}`,
    );
  }
  if (image.origin.length < nd || !image.origin.every(Number.isFinite)) {
    throw new ImageIoError(format, path, `origin must have ${nd} finite numbers, got [${image.origin.join(', ')}]`);
  }
}
