/**
 * A 3D torso in Hounsfield units, shared by the CT and lung-CT phantoms.
 *
 * Frame (mm, patient LPS like `Image`): x to the patient's Left, y to Posterior, z to Superior. z = 0 is the pubic
 * symphysis and z = L (the subject's trunk length) the lung apex; anatomy is placed at fixed fractions zeta = z / L
 * of that length, so organs appear at characteristic slice positions: bladder and femoral heads low, kidneys lower
 * middle, liver and spleen under the diaphragm domes, heart and lungs high. Every subject draws its own body size,
 * fat, organ sizes, shapes (lobulated ellipsoids: a sum of random plane waves perturbs the ellipsoid's level set),
 * positions, diaphragm heights and contrast phase.
 *
 * `paintTorso` fills an HU volume (before noise) and an organ-code volume; `finishCt` adds partial-volume blur,
 * a smooth bias and noise and rounds to Int16.
 *
 * Modules: torso-anatomy.ts draws the subject, torso-geometry.ts holds the grid and shape queries,
 * torso-canvas.ts the volumes being painted, torso-paint.ts paints them (body, great vessels; torso-abdomen.ts,
 * torso-chest.ts and torso-bones.ts the rest), torso-finish.ts finishes the CT.
 */
export { Organ, randomTorso, type Blob3, type Torso } from './torso-anatomy.js';
export { finishCt } from './torso-finish.js';
export { blobLevel, bodyAxes, domeZ, torsoGrid, type TorsoGrid } from './torso-geometry.js';
export { paintTorso, type PaintedTorso } from './torso-paint.js';
