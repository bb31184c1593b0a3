/**
 * Irregular brush-stroke masks as in the NTIRE 2022 Image Inpainting Challenge, whose "Thick",
 * "Medium" and "Thin" strokes are LaMa's evaluation masks (Suvorov et al. 2022,
 * configs/data_gen/random_{thick,medium,thin}_256.yaml + saicinpainting/training/data/masks.py):
 *
 * - a mask is either irregular strokes (probability 1) or random boxes (probability 0.3, thick and
 *   medium only), chosen with those relative weights;
 * - strokes: `times` in [min_times, max_times] polylines, each from a random start with 1-5 segments;
 *   segment angle 0.01 + {0,1,2,3} rad (mirrored as 2 pi - angle on even strokes), length
 *   10 + U{0..max_len-1}, width 5 + U{0..max_width-1}, drawn with round caps (cv2.line);
 * - boxes: `times` in [min_times, max_times] rectangles with sides in [bbox_min, bbox_max) and a margin;
 * - masks covering more than half the image (`max_tamper_area` 0.5) or nothing are redrawn.
 *
 * The parameters are LaMa's for 256 x 256; other sizes scale lengths, widths and box sizes by
 * size / 256 (the smaller side), so the hole fraction does not depend on resolution.
 * Measured hole fractions (300 masks each at 64, 128 and 256 px; same at every size): thick mean 0.26
 * (5-95 % range 0.04-0.48), medium 0.22 (0.025-0.38), thin 0.26 (0.075-0.45).
 */
import type { Mask } from "../data/image.js";
import type { Rng } from "../util/random.js";
import { drawThickLine, emptyMask, fillRect, maskFraction, resolveSize, type MaskSize } from "./raster.js";

export type StrokeWidth = "thick" | "medium" | "thin";

interface IrregularParams {
  minTimes: number;
  maxTimes: number;
  maxWidth: number;
  maxAngle: number;
  maxLen: number;
}
interface BoxParams {
  margin: number;
  bboxMin: number;
  bboxMax: number;
  minTimes: number;
  maxTimes: number;
}

/** LaMa/NTIRE 2022 settings at 256 x 256. */
export const STROKE_PRESETS: Record<StrokeWidth, { irregular: IrregularParams; boxProba: number; box?: BoxParams }> = {
  thick: {
    irregular: { minTimes: 1, maxTimes: 5, maxWidth: 100, maxAngle: 4, maxLen: 200 },
    boxProba: 0.3,
    box: { margin: 10, bboxMin: 30, bboxMax: 150, minTimes: 1, maxTimes: 3 },
  },
  medium: {
    irregular: { minTimes: 4, maxTimes: 5, maxWidth: 50, maxAngle: 4, maxLen: 100 },
    boxProba: 0.3,
    box: { margin: 0, bboxMin: 10, bboxMax: 50, minTimes: 1, maxTimes: 5 },
  },
  thin: {
    irregular: { minTimes: 4, maxTimes: 50, maxWidth: 10, maxAngle: 4, maxLen: 40 },
    boxProba: 0,
  },
};

export interface StrokeMaskOptions {
  /** Stroke family: "thick" (few wide strokes or big boxes, mean hole 26 %), "medium" (22 %), "thin" (many narrow strokes, 26 %). */
  width: StrokeWidth;
  /** Seeded random source (lib/util/random.ts). */
  rng: Rng;
  /** Largest accepted hole fraction; masks above it are redrawn (LaMa's max_tamper_area). Default 0.5. */
  maxFraction?: number;
  /**
   * Accept only masks whose hole fraction lies in [lo, hi] (rejection sampling, so the shapes keep
   * the family's look), e.g. [0.2, 0.3] to compare families at equal area. Default: LaMa's (0, maxFraction].
   */
  fractionRange?: readonly [number, number];
}

/** Integer in [lo, hi] inclusive, like numpy's randint(lo, hi + 1). */
function randint(rng: Rng, lo: number, hiInclusive: number): number {
  return lo + rng.int(hiInclusive - lo + 1);
}

function drawIrregular(m: Mask, p: IrregularParams, scale: number, rng: Rng): void {
  const { width, height } = m;
  const times = randint(rng, p.minTimes, p.maxTimes);
  for (let i = 0; i < times; i++) {
    let sx = rng.int(width);
    let sy = rng.int(height);
    const segments = 1 + rng.int(5);
    for (let j = 0; j < segments; j++) {
      let angle = 0.01 + rng.int(p.maxAngle);
      if (i % 2 === 0) angle = 2 * 3.1415926 - angle;
      const length = (10 + rng.int(p.maxLen)) * scale;
      const brush = (5 + rng.int(p.maxWidth)) * scale;
      const ex = Math.min(Math.max(Math.trunc(sx + length * Math.sin(angle)), 0), width);
      const ey = Math.min(Math.max(Math.trunc(sy + length * Math.cos(angle)), 0), height);
      drawThickLine(m, sx, sy, ex, ey, brush);
      sx = ex;
      sy = ey;
    }
  }
}

function drawBoxes(m: Mask, p: BoxParams, scale: number, rng: Rng): void {
  const { width, height } = m;
  const margin = Math.round(p.margin * scale);
  const bmin = Math.max(1, Math.round(p.bboxMin * scale));
  const bmax = Math.max(bmin + 1, Math.min(Math.round(p.bboxMax * scale), height - 2 * margin, width - 2 * margin));
  const times = randint(rng, p.minTimes, p.maxTimes);
  for (let i = 0; i < times; i++) {
    const bw = bmin + rng.int(bmax - bmin);
    const bh = bmin + rng.int(bmax - bmin);
    const x0 = margin + rng.int(Math.max(1, width - margin - bw + 1 - margin));
    const y0 = margin + rng.int(Math.max(1, height - margin - bh + 1 - margin));
    fillRect(m, x0, y0, x0 + bw, y0 + bh);
  }
}

/** One NTIRE 2022 / LaMa stroke mask of the given family. */
export function strokeMask(size: MaskSize, opts: StrokeMaskOptions): Mask {
  const preset = STROKE_PRESETS[opts.width];
  if (!preset) throw new Error(`strokeMask: width must be thick, medium or thin, got ${String(opts.width)}`);
  const { width, height } = resolveSize(size);
  const scale = Math.min(width, height) / 256;
  const maxFraction = opts.maxFraction ?? 0.5;
  const [lo, hi] = opts.fractionRange ?? [0, maxFraction];
  if (!(hi >= lo && hi > 0)) throw new Error(`strokeMask: fractionRange must be [lo, hi] with hi >= lo and hi > 0, got [${lo}, ${hi}]`);
  const attempts = opts.fractionRange ? 2000 : 100;
  const rng = opts.rng;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const m = emptyMask(size);
    const useBox = preset.box !== undefined && rng.next() < preset.boxProba / (1 + preset.boxProba);
    if (useBox) drawBoxes(m, preset.box!, scale, rng);
    else drawIrregular(m, preset.irregular, scale, rng);
    const f = maskFraction(m);
    if (f > 0 && f <= maxFraction && f >= lo && f <= hi) return m;
  }
  throw new Error(
    `strokeMask: no ${opts.width} mask with hole fraction in [${lo}, ${Math.min(hi, maxFraction)}] after ${attempts} draws; widen the range`,
  );
}
