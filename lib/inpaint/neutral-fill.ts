/**
 * Making a damaged painting "neutral" where it is missing, so the hole does not steer what is
 * computed from it (routing to a cluster: ./complete.ts `routeVisible`):
 * - `neutralFill(img, mask, "mean")`: every missing pixel takes the mean colour of the visible ones;
 * - `neutralFill(img, mask, "blur")`: push-pull (pyramid) interpolation: the visible pixels are
 *   averaged down a 2x pyramid with their known-weights and the holes are filled back up from the
 *   coarser levels, so the fill is a smooth continuation of the surrounding colours.
 */
import type { ImageArray, Mask } from "../data/image.js";

/** How to fill the hole before extracting features: flat mean colour or smooth push-pull. */
export type NeutralFill = "mean" | "blur";

function checkMask(img: ImageArray, mask: Mask): void {
  if (mask.width !== img.width || mask.height !== img.height) {
    throw new Error(`mask is ${mask.width}x${mask.height} but the image is ${img.width}x${img.height}`);
  }
}

/**
 * A copy of `img` whose missing pixels (mask 1) are replaced by a neutral value computed from the
 * visible pixels only. With no visible pixel at all, the hole becomes 0 (mid-grey in [-1, 1]).
 */
export function neutralFill(img: ImageArray, mask: Mask, how: NeutralFill = "blur"): ImageArray {
  checkMask(img, mask);
  if (how === "mean") return meanFill(img, mask);
  if (how === "blur") return pushPullFill(img, mask);
  throw new Error(`neutralFill: unknown method "${how as string}"; use "mean" or "blur"`);
}

function meanFill(img: ImageArray, mask: Mask): ImageArray {
  const { width, height, channels } = img;
  const sum = new Float64Array(channels);
  let count = 0;
  for (let p = 0; p < width * height; p++) {
    if (mask.data[p]) continue;
    count++;
    for (let c = 0; c < channels; c++) sum[c] += img.data[p * channels + c];
  }
  const data = Float32Array.from(img.data);
  for (let p = 0; p < width * height; p++) {
    if (!mask.data[p]) continue;
    for (let c = 0; c < channels; c++) data[p * channels + c] = count ? sum[c] / count : 0;
  }
  return { width, height, channels, data };
}

interface Level {
  w: number;
  h: number;
  v: Float64Array; // weighted-mean values, HWC
  wt: Float64Array; // known weight per pixel, 0..1
}

function pushPullFill(img: ImageArray, mask: Mask): ImageArray {
  const { width, height, channels: ch } = img;
  const base: Level = { w: width, h: height, v: Float64Array.from(img.data), wt: new Float64Array(width * height) };
  let anyKnown = false;
  for (let p = 0; p < width * height; p++) {
    base.wt[p] = mask.data[p] ? 0 : 1;
    if (!mask.data[p]) anyKnown = true;
  }
  if (!anyKnown) return { width, height, channels: ch, data: new Float32Array(img.data.length) };
  // Push: average down with weights until a level has no unknown pixel (or is 1x1).
  const levels: Level[] = [base];
  for (;;) {
    const L = levels[levels.length - 1];
    if (L.wt.every((x) => x > 0) || (L.w === 1 && L.h === 1)) break;
    const w = Math.ceil(L.w / 2);
    const h = Math.ceil(L.h / 2);
    const v = new Float64Array(w * h * ch);
    const wt = new Float64Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let s = 0;
        let n = 0;
        const acc = new Float64Array(ch);
        for (let dy = 0; dy < 2; dy++) {
          for (let dx = 0; dx < 2; dx++) {
            const yy = 2 * y + dy;
            const xx = 2 * x + dx;
            if (yy >= L.h || xx >= L.w) continue;
            n++;
            const q = yy * L.w + xx;
            const a = L.wt[q];
            s += a;
            for (let c = 0; c < ch; c++) acc[c] += a * L.v[q * ch + c];
          }
        }
        const p = y * w + x;
        wt[p] = n ? s / n : 0;
        for (let c = 0; c < ch; c++) v[p * ch + c] = s > 0 ? acc[c] / s : 0;
      }
    }
    levels.push({ w, h, v, wt });
  }
  // Pull: from coarse to fine, blend each pixel with the bilinear upsampling of the coarser level
  // in proportion to how unknown it is (weight 1 keeps the pixel, weight 0 takes the coarse value).
  for (let l = levels.length - 2; l >= 0; l--) {
    const F = levels[l];
    const C = levels[l + 1];
    for (let y = 0; y < F.h; y++) {
      const cy = Math.min(Math.max((y + 0.5) / 2 - 0.5, 0), C.h - 1);
      const y0 = Math.floor(cy);
      const y1 = Math.min(y0 + 1, C.h - 1);
      const fy = cy - y0;
      for (let x = 0; x < F.w; x++) {
        const p = y * F.w + x;
        const a = Math.min(1, F.wt[p]);
        if (a >= 1) continue;
        const cx = Math.min(Math.max((x + 0.5) / 2 - 0.5, 0), C.w - 1);
        const x0 = Math.floor(cx);
        const x1 = Math.min(x0 + 1, C.w - 1);
        const fx = cx - x0;
        for (let c = 0; c < ch; c++) {
          const up =
            (1 - fy) * ((1 - fx) * C.v[(y0 * C.w + x0) * ch + c] + fx * C.v[(y0 * C.w + x1) * ch + c]) +
            fy * ((1 - fx) * C.v[(y1 * C.w + x0) * ch + c] + fx * C.v[(y1 * C.w + x1) * ch + c]);
          F.v[p * ch + c] = a * F.v[p * ch + c] + (1 - a) * up;
        }
        F.wt[p] = 1;
      }
    }
  }
  const data = Float32Array.from(img.data);
  for (let p = 0; p < width * height; p++) {
    if (!mask.data[p]) continue;
    for (let c = 0; c < ch; c++) data[p * ch + c] = base.v[p * ch + c];
  }
  return { width, height, channels: ch, data };
}
