/**
 * A supersampled RGB raster with drawing primitives in normalised coordinates
 * (x right and y down, both in [0, 1] across the picture), so the same drawing calls give the
 * same painting at any output size. Shapes are drawn with hard edges at the supersampled
 * resolution and anti-aliased by the box downsampling in {@link Canvas.toImage}.
 */
import type { ImageArray } from "../image.js";
import type { RGB } from "./color.js";

/** Options of {@link Canvas.stroke}. */
export interface StrokeStyle {
  /** Width at the ends relative to the middle, 0..1 (0 = pointed ends, 1 = round capsule). Default 1. */
  taper?: number;
  /** Strength of bristle streaks along the stroke, 0..1. Default 0. */
  bristle?: number;
  /** Number of bristle streaks across the stroke width. Default 4. */
  bristleCount?: number;
  /** Phase of the bristle pattern (turns); vary it per stroke. Default 0. */
  bristlePhase?: number;
  /** Paint running dry toward the end, 0..1 (alpha falls to 1 - dry at the end). Default 0. */
  dry?: number;
}

export class Canvas {
  /** Width and height in supersampled pixels. */
  readonly w: number;
  readonly h: number;
  /** RGB, row-major, values in [0, 1]. */
  readonly data: Float32Array;

  constructor(w: number, h: number, bg: RGB = [1, 1, 1]) {
    this.w = w;
    this.h = h;
    this.data = new Float32Array(w * h * 3);
    for (let i = 0; i < w * h; i++) {
      this.data[i * 3] = bg[0];
      this.data[i * 3 + 1] = bg[1];
      this.data[i * 3 + 2] = bg[2];
    }
  }

  /** Blend colour `c` with opacity `a` into pixel index `p`. */
  blend(p: number, c: RGB, a: number): void {
    const i = p * 3;
    const d = this.data;
    d[i] = d[i]! + (c[0] - d[i]!) * a;
    d[i + 1] = d[i + 1]! + (c[1] - d[i + 1]!) * a;
    d[i + 2] = d[i + 2]! + (c[2] - d[i + 2]!) * a;
  }

  /** Colour at normalised (x, y) (nearest pixel; clamped to the edges). */
  sample(x: number, y: number): RGB {
    const px = Math.min(this.w - 1, Math.max(0, Math.floor(x * this.w)));
    const py = Math.min(this.h - 1, Math.max(0, Math.floor(y * this.h)));
    const i = (py * this.w + px) * 3;
    return [this.data[i]!, this.data[i + 1]!, this.data[i + 2]!];
  }

  /**
   * Recolour every pixel: `fn(x, y, rgb)` gets the normalised pixel centre and the current colour
   * (an array it may modify in place; its values are written back).
   */
  shade(fn: (x: number, y: number, rgb: RGB) => void): void {
    this.shadeRect(0, 0, 1, 1, fn);
  }

  /** {@link shade} restricted to the pixels whose centres lie in [x0, x1] x [y0, y1] (normalised). */
  shadeRect(x0: number, y0: number, x1: number, y1: number, fn: (x: number, y: number, rgb: RGB) => void): void {
    const rgb: RGB = [0, 0, 0];
    const d = this.data;
    const pxa = Math.max(0, Math.floor(x0 * this.w));
    const pxb = Math.min(this.w, Math.ceil(x1 * this.w));
    const pya = Math.max(0, Math.floor(y0 * this.h));
    const pyb = Math.min(this.h, Math.ceil(y1 * this.h));
    for (let py = pya; py < pyb; py++) {
      const y = (py + 0.5) / this.h;
      for (let px = pxa; px < pxb; px++) {
        const i = (py * this.w + px) * 3;
        rgb[0] = d[i]!;
        rgb[1] = d[i + 1]!;
        rgb[2] = d[i + 2]!;
        fn((px + 0.5) / this.w, y, rgb);
        d[i] = rgb[0];
        d[i + 1] = rgb[1];
        d[i + 2] = rgb[2];
      }
    }
  }

  /** Pixel range [lo, hi) covering normalised [a, b] on an axis of n pixels. */
  private span(a: number, b: number, n: number): [number, number] {
    return [Math.max(0, Math.floor(Math.min(a, b) * n - 1)), Math.min(n, Math.ceil(Math.max(a, b) * n + 1))];
  }

  /** Fill the axis-aligned rectangle [x0, x1] x [y0, y1]. */
  fillRect(x0: number, y0: number, x1: number, y1: number, c: RGB, a = 1): void {
    const [px0, px1] = this.span(x0, x1, this.w);
    const [py0, py1] = this.span(y0, y1, this.h);
    const lx = Math.min(x0, x1) * this.w;
    const hx = Math.max(x0, x1) * this.w;
    const ly = Math.min(y0, y1) * this.h;
    const hy = Math.max(y0, y1) * this.h;
    for (let py = py0; py < py1; py++) {
      const cy = py + 0.5;
      if (cy < ly || cy >= hy) continue;
      for (let px = px0; px < px1; px++) {
        const cx = px + 0.5;
        if (cx >= lx && cx < hx) this.blend(py * this.w + px, c, a);
      }
    }
  }

  /**
   * Fill an ellipse centred at (cx, cy) with radii (rx, ry) (normalised to the width) rotated by
   * `angle` radians. `feather` (0..1) softens the rim over that fraction of the radius.
   */
  fillEllipse(cx: number, cy: number, rx: number, ry: number, angle: number, c: RGB, a = 1, feather = 0): void {
    const W = this.w;
    const r = Math.max(rx, ry);
    const [px0, px1] = this.span(cx - r, cx + r, W);
    const [py0, py1] = this.span((cy - r) * (W / this.h), (cy + r) * (W / this.h), this.h);
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    const irx = 1 / Math.max(rx * W, 1e-6);
    const iry = 1 / Math.max(ry * W, 1e-6);
    const ccx = cx * W;
    const ccy = cy * this.h;
    const f0 = 1 - feather;
    for (let py = py0; py < py1; py++) {
      const dy = py + 0.5 - ccy;
      for (let px = px0; px < px1; px++) {
        const dx = px + 0.5 - ccx;
        const u = (dx * cos + dy * sin) * irx;
        const v = (-dx * sin + dy * cos) * iry;
        const d2 = u * u + v * v;
        if (d2 >= 1) continue;
        let k = a;
        if (feather > 0) {
          const d = Math.sqrt(d2);
          if (d > f0) {
            const t = (d - f0) / feather;
            k *= 1 - t * t * (3 - 2 * t);
          }
        }
        this.blend(py * W + px, c, k);
      }
    }
  }

  /** Fill a polygon given as [x0, y0, x1, y1, ...] (normalised), even-odd rule. */
  fillPolygon(pts: readonly number[], c: RGB, a = 1): void {
    const n = pts.length >> 1;
    if (n < 3) return;
    let minY = Infinity;
    let maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      minY = Math.min(minY, pts[2 * i + 1]!);
      maxY = Math.max(maxY, pts[2 * i + 1]!);
    }
    const [py0, py1] = this.span(minY, maxY, this.h);
    const xs: number[] = [];
    for (let py = py0; py < py1; py++) {
      const y = (py + 0.5) / this.h;
      xs.length = 0;
      for (let i = 0, j = n - 1; i < n; j = i++) {
        const yi = pts[2 * i + 1]!;
        const yj = pts[2 * j + 1]!;
        if (yi > y !== yj > y) {
          const xi = pts[2 * i]!;
          const xj = pts[2 * j]!;
          xs.push(xi + ((y - yi) / (yj - yi)) * (xj - xi));
        }
      }
      xs.sort((p, q) => p - q);
      for (let k = 0; k + 1 < xs.length; k += 2) {
        const x0 = Math.max(0, Math.ceil(xs[k]! * this.w - 0.5));
        const x1 = Math.min(this.w - 1, Math.floor(xs[k + 1]! * this.w - 0.5));
        for (let px = x0; px <= x1; px++) this.blend(py * this.w + px, c, a);
      }
    }
  }

  /**
   * A brush stroke from (x0, y0) to (x1, y1) of the given width (normalised), with optional taper,
   * bristle streaks and dry-brush fade (see {@link StrokeStyle}).
   */
  stroke(x0: number, y0: number, x1: number, y1: number, width: number, c: RGB, a = 1, style: StrokeStyle = {}): void {
    const W = this.w;
    const hw = (width / 2) * W;
    const ax = x0 * W;
    const ay = y0 * this.h;
    const bx = x1 * W;
    const by = y1 * this.h;
    const vx = bx - ax;
    const vy = by - ay;
    const len2 = vx * vx + vy * vy;
    const len = Math.sqrt(len2);
    const taper = style.taper ?? 1;
    const bristle = style.bristle ?? 0;
    const bcount = style.bristleCount ?? 4;
    const bphase = (style.bristlePhase ?? 0) * 2 * Math.PI;
    const dry = style.dry ?? 0;
    const px0 = Math.max(0, Math.floor(Math.min(ax, bx) - hw - 1));
    const px1 = Math.min(W, Math.ceil(Math.max(ax, bx) + hw + 1));
    const py0 = Math.max(0, Math.floor(Math.min(ay, by) - hw - 1));
    const py1 = Math.min(this.h, Math.ceil(Math.max(ay, by) + hw + 1));
    const nx = len > 0 ? -vy / len : 0;
    const ny = len > 0 ? vx / len : 1;
    for (let py = py0; py < py1; py++) {
      const dy = py + 0.5 - ay;
      for (let px = px0; px < px1; px++) {
        const dx = px + 0.5 - ax;
        let t = len2 > 0 ? (dx * vx + dy * vy) / len2 : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const ex = dx - t * vx;
        const ey = dy - t * vy;
        const e = t * 2 - 1;
        const hwt = hw * (taper + (1 - taper) * (1 - e * e));
        const d2 = ex * ex + ey * ey;
        if (d2 > hwt * hwt) continue;
        let k = a;
        if (bristle > 0) {
          const s = (ex * nx + ey * ny) / Math.max(hw, 1e-6);
          k *= 1 - bristle * (0.5 + 0.5 * Math.sin(s * bcount * Math.PI + bphase));
        }
        if (dry > 0) k *= 1 - dry * t * t;
        this.blend(py * W + px, c, k);
      }
    }
  }

  /** A polyline of round-capped segments (for outlines); points as [x0, y0, x1, y1, ...]. */
  polyline(pts: readonly number[], width: number, c: RGB, a = 1): void {
    for (let i = 0; i + 3 < pts.length; i += 2) this.stroke(pts[i]!, pts[i + 1]!, pts[i + 2]!, pts[i + 3]!, width, c, a);
  }

  /** Box-downsample by `factor` into an ImageArray with values clamped to [0, 1]. */
  toImage(factor: number): ImageArray {
    const ow = Math.floor(this.w / factor);
    const oh = Math.floor(this.h / factor);
    const out = new Float32Array(ow * oh * 3);
    const inv = 1 / (factor * factor);
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let r = 0;
        let g = 0;
        let b = 0;
        for (let sy = 0; sy < factor; sy++) {
          let i = ((oy * factor + sy) * this.w + ox * factor) * 3;
          for (let sx = 0; sx < factor; sx++, i += 3) {
            r += this.data[i]!;
            g += this.data[i + 1]!;
            b += this.data[i + 2]!;
          }
        }
        const o = (oy * ow + ox) * 3;
        out[o] = Math.min(1, Math.max(0, r * inv));
        out[o + 1] = Math.min(1, Math.max(0, g * inv));
        out[o + 2] = Math.min(1, Math.max(0, b * inv));
      }
    }
    return { width: ow, height: oh, channels: 3, data: out };
  }
}
