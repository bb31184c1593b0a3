/**
 * Affine warps of grayscale images with a known transform, for checking that keypoints survive
 * rotation and scaling (tests and tools/validate-keypoints).
 */
import { createGray } from "./gray.js";
import type { GrayImage } from "./types.js";

/** x' = a x + b y + c,  y' = d x + e y + f  (pixel centres at integers). */
export type Affine = readonly [number, number, number, number, number, number];

export function applyAffine(m: Affine, x: number, y: number): [number, number] {
  return [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
}

export function invertAffine(m: Affine): Affine {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  if (Math.abs(det) < 1e-12) throw new Error("invertAffine: the transform is singular");
  const ia = e / det;
  const ib = -b / det;
  const id = -d / det;
  const ie = a / det;
  return [ia, ib, -(ia * c + ib * f), id, ie, -(id * c + ie * f)];
}

/**
 * Rotation by `angleDeg` (clockwise on screen, i.e. from +x towards +y with y down) and scaling by
 * `scale` about the image centre, with the output canvas just large enough to hold the whole
 * transformed image. Returns the transform from input to output pixels and the output size.
 */
export function rotationScaling(width: number, height: number, angleDeg: number, scale: number): { transform: Affine; width: number; height: number } {
  const t = (angleDeg * Math.PI) / 180;
  // Snap cos/sin for exact multiples of 90 degrees so those warps are exact pixel permutations.
  const snap = (v: number): number => (Math.abs(v - Math.round(v)) < 1e-12 ? Math.round(v) : v);
  const cos = snap(Math.cos(t)) * scale;
  const sin = snap(Math.sin(t)) * scale;
  // Pixel *edges* span [-0.5, w - 0.5]; transform the corners of that box.
  const corners: Array<[number, number]> = [
    [-0.5, -0.5],
    [width - 0.5, -0.5],
    [-0.5, height - 0.5],
    [width - 0.5, height - 0.5],
  ];
  const xs = corners.map(([x, y]) => cos * x - sin * y);
  const ys = corners.map(([x, y]) => sin * x + cos * y);
  const minX = Math.min(...xs);
  const minY = Math.min(...ys);
  const outW = Math.max(1, Math.round(Math.max(...xs) - minX));
  const outH = Math.max(1, Math.round(Math.max(...ys) - minY));
  // Shift so the transformed edge box starts at -0.5.
  const transform: Affine = [cos, -sin, -0.5 - minX, sin, cos, -0.5 - minY];
  return { transform, width: outW, height: outH };
}

/**
 * Warp `img` by `transform` (input -> output pixels) into an outW x outH image. Each output pixel
 * averages `supersample`^2 bilinear samples spread over its area, which anti-aliases shrinking
 * (use about ceil(1 / scale)). Outside the input the value is `fill`.
 */
export function warpAffine(img: GrayImage, transform: Affine, outW: number, outH: number, supersample = 1, fill = 0): GrayImage {
  const inv = invertAffine(transform);
  const out = createGray(outW, outH);
  const { width: w, height: h, data } = img;
  const n = Math.max(1, Math.round(supersample));
  const offs: number[] = [];
  for (let i = 0; i < n; i++) offs.push((i + 0.5) / n - 0.5);
  const inv2 = 1 / (n * n);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      let s = 0;
      for (const oy of offs) {
        for (const ox of offs) {
          const u = inv[0] * (x + ox) + inv[1] * (y + oy) + inv[2];
          const v = inv[3] * (x + ox) + inv[4] * (y + oy) + inv[5];
          s += sampleBilinear(data, w, h, u, v, fill);
        }
      }
      out.data[y * outW + x] = s * inv2;
    }
  }
  return out;
}

/** Bilinear sample at (u, v); pixels up to half a pixel beyond the edge take the edge value, farther ones `fill`. */
function sampleBilinear(data: Float32Array, w: number, h: number, u: number, v: number, fill: number): number {
  if (u < -0.5 || v < -0.5 || u > w - 0.5 || v > h - 0.5) return fill;
  const uc = Math.min(w - 1, Math.max(0, u));
  const vc = Math.min(h - 1, Math.max(0, v));
  const x0 = Math.min(w - 2, Math.floor(uc));
  const y0 = Math.min(h - 2, Math.floor(vc));
  const fx = uc - x0;
  const fy = vc - y0;
  const p = y0 * w + x0;
  const a = data[p]! + (data[p + 1]! - data[p]!) * fx;
  const b = data[p + w]! + (data[p + w + 1]! - data[p + w]!) * fx;
  return a + (b - a) * fy;
}

/** A known rotation + scaling for matching experiments. */
export interface TransformSpec {
  /** Short label, e.g. "rot45" or "scale0.5". */
  name: string;
  /** Rotation in degrees (clockwise on screen). */
  angle: number;
  /** Scale factor (< 1 shrinks). */
  scale: number;
}

/** The rotations and scalings of the validation protocol. */
export const STANDARD_TRANSFORMS: readonly TransformSpec[] = [
  { name: "rot15", angle: 15, scale: 1 },
  { name: "rot45", angle: 45, scale: 1 },
  { name: "rot90", angle: 90, scale: 1 },
  { name: "scale0.5", angle: 0, scale: 0.5 },
  { name: "scale0.75", angle: 0, scale: 0.75 },
  { name: "scale1.5", angle: 0, scale: 1.5 },
  { name: "rot30+scale0.7", angle: 30, scale: 0.7 },
];

/**
 * The image transformed by `spec` (anti-aliased when shrinking, black outside the original) and
 * the transform from input to output pixel coordinates.
 */
export function transformImage(img: GrayImage, spec: TransformSpec): { image: GrayImage; transform: Affine } {
  const r = rotationScaling(img.width, img.height, spec.angle, spec.scale);
  const image = warpAffine(img, r.transform, r.width, r.height, Math.max(1, Math.ceil(1 / spec.scale)) + (spec.angle % 90 === 0 ? 0 : 1));
  return { image, transform: r.transform };
}
