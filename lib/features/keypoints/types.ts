/**
 * Types shared by the keypoint detectors (SIFT, SURF), matching and the bag of visual words.
 *
 * Coordinates follow OpenCV: pixel centres at integer positions, x to the right, y down.
 * Angles are in degrees in [0, 360), measured from +x towards +y (so, with y down, clockwise on
 * screen), which is what OpenCV stores in `KeyPoint.angle` for SIFT and SURF.
 */

/** A single-channel image, row-major, values in [0, 1] (unless a function says otherwise). */
export interface GrayImage {
  width: number;
  height: number;
  data: Float32Array;
}

/** A detected keypoint. */
export interface Keypoint {
  /** Column of the keypoint centre in input-image pixels (sub-pixel). */
  x: number;
  /** Row of the keypoint centre in input-image pixels (sub-pixel). */
  y: number;
  /** Diameter of the meaningful neighbourhood in input-image pixels (OpenCV's `KeyPoint.size`). */
  size: number;
  /** Dominant orientation in degrees, [0, 360). */
  angle: number;
  /** Detector response (|DoG| contrast for SIFT, Hessian determinant for SURF); larger is stronger. */
  response: number;
  /** Pyramid octave the keypoint was found in (-1 for SIFT's upsampled octave). */
  octave: number;
}

/** Keypoints with their descriptors: row i of `descriptors` (length `dim`) belongs to keypoint i. */
export interface KeypointFeatures {
  keypoints: Keypoint[];
  /** Row-major `keypoints.length x dim` matrix of unit-norm descriptors. */
  descriptors: Float32Array;
  /** Descriptor length: 128 for SIFT, 64 for SURF. */
  dim: number;
}

/** A detector + descriptor: what the bag of visual words and the validation need. */
export type DetectAndDescribe = (image: GrayImage) => KeypointFeatures;

/** Row i of a descriptor matrix (a view, not a copy). */
export function descriptorRow(f: KeypointFeatures, i: number): Float32Array {
  return f.descriptors.subarray(i * f.dim, (i + 1) * f.dim);
}
