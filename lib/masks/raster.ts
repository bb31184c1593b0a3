/**
 * Drawing primitives on binary masks (1 = hole): thick line segments with round caps (as OpenCV's
 * `cv2.line` with thickness > 1), filled rectangles, discs and polygons. All clip to the mask.
 */
import type { Mask } from "../data/image.js";

/** Width and height of a mask; a number means a square. */
export type MaskSize = number | { width: number; height: number };

export function resolveSize(size: MaskSize): { width: number; height: number } {
  const s = typeof size === "number" ? { width: size, height: size } : size;
  if (!Number.isInteger(s.width) || !Number.isInteger(s.height) || s.width < 1 || s.height < 1) {
    throw new Error(`mask size must be positive integers, got ${JSON.stringify(size)}`);
  }
  return s;
}

export function emptyMask(size: MaskSize): Mask {
  const { width, height } = resolveSize(size);
  return { width, height, data: new Uint8Array(width * height) };
}

/** Fraction of pixels that are holes (mask = 1), in [0, 1]. */
export function maskFraction(mask: Mask): number {
  let n = 0;
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) n++;
  return n / mask.data.length;
}

/** Set pixels of the axis-aligned rectangle [x0, x1) x [y0, y1) (clipped). */
export function fillRect(mask: Mask, x0: number, y0: number, x1: number, y1: number): void {
  const xa = Math.max(0, Math.floor(x0));
  const xb = Math.min(mask.width, Math.ceil(x1));
  const ya = Math.max(0, Math.floor(y0));
  const yb = Math.min(mask.height, Math.ceil(y1));
  for (let y = ya; y < yb; y++) mask.data.fill(1, y * mask.width + xa, y * mask.width + Math.max(xa, xb));
}

/** Set every pixel whose centre lies within `radius` of (cx, cy). */
export function fillDisc(mask: Mask, cx: number, cy: number, radius: number): void {
  const r = Math.max(radius, 0.5);
  const ya = Math.max(0, Math.floor(cy - r));
  const yb = Math.min(mask.height - 1, Math.ceil(cy + r));
  const xa = Math.max(0, Math.floor(cx - r));
  const xb = Math.min(mask.width - 1, Math.ceil(cx + r));
  for (let y = ya; y <= yb; y++) {
    for (let x = xa; x <= xb; x++) {
      if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) mask.data[y * mask.width + x] = 1;
    }
  }
}

/**
 * A segment of the given `thickness` (pixels) with round caps: every pixel whose centre is within
 * thickness / 2 of the segment. Thickness <= 1 draws a one-pixel line.
 */
export function drawThickLine(mask: Mask, x0: number, y0: number, x1: number, y1: number, thickness: number): void {
  const r = Math.max(thickness / 2, 0.5);
  const ya = Math.max(0, Math.floor(Math.min(y0, y1) - r));
  const yb = Math.min(mask.height - 1, Math.ceil(Math.max(y0, y1) + r));
  const xa = Math.max(0, Math.floor(Math.min(x0, x1) - r));
  const xb = Math.min(mask.width - 1, Math.ceil(Math.max(x0, x1) + r));
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len2 = dx * dx + dy * dy;
  for (let y = ya; y <= yb; y++) {
    for (let x = xa; x <= xb; x++) {
      let t = len2 > 0 ? ((x - x0) * dx + (y - y0) * dy) / len2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const ex = x0 + t * dx - x;
      const ey = y0 + t * dy - y;
      if (ex * ex + ey * ey <= r * r) mask.data[y * mask.width + x] = 1;
    }
  }
}

/** Fill a simple polygon (even-odd rule, pixel centres). */
export function fillPolygon(mask: Mask, xs: readonly number[], ys: readonly number[]): void {
  const n = xs.length;
  if (n < 3) return;
  const ya = Math.max(0, Math.floor(Math.min(...ys)));
  const yb = Math.min(mask.height - 1, Math.ceil(Math.max(...ys)));
  const cross: number[] = [];
  for (let y = ya; y <= yb; y++) {
    const py = y;
    cross.length = 0;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const yi = ys[i]!;
      const yj = ys[j]!;
      if (yi > py !== yj > py) cross.push(xs[i]! + ((py - yi) / (yj - yi)) * (xs[j]! - xs[i]!));
    }
    cross.sort((a, b) => a - b);
    for (let k = 0; k + 1 < cross.length; k += 2) {
      const xa = Math.max(0, Math.ceil(cross[k]!));
      const xb = Math.min(mask.width - 1, Math.floor(cross[k + 1]!));
      for (let x = xa; x <= xb; x++) mask.data[y * mask.width + x] = 1;
    }
  }
}
