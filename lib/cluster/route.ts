/**
 * Routing a damaged painting to a cluster (and so to that cluster's GAN) from its visible pixels.
 *
 * The hole must not steer the choice, so the image is first made "neutral" where it is missing:
 * - `neutralFill(img, mask, "mean")`: every missing pixel takes the mean colour of the visible ones;
 * - `neutralFill(img, mask, "blur")`: push-pull (pyramid) interpolation: the visible pixels are
 *   averaged down a 2x pyramid with their known-weights and the holes are filled back up from the
 *   coarser levels, so the fill is a smooth continuation of the surrounding colours.
 * Then the features of the filled image are normalised like the training features and the nearest
 * centre wins (`routeFeatures` in ./model.ts: the model's normalisation, then `nearestCentre`).
 *
 * `routingAccuracy` measures how often this agrees with the cluster of the undamaged image as
 * the hole grows (10 %..50 % of the area by default).
 */
import type { ImageArray, Mask } from "../data/image.js";
import { createRng, type Rng } from "../util/random.js";
import { routeFeatures, type FeatureNormalization } from "./model.js";
import type { Vec } from "./vectors.js";

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

/** Shapes of the synthetic damage used by `routingAccuracy`. */
export type RoutingMaskKind = "square" | "blocks";

/**
 * A mask covering about `fraction` of the image. "square": one rectangle with the image's aspect
 * ratio at a random position (exact area up to rounding). "blocks": random squares of side 1/8
 * of the shorter image side until the covered fraction is reached. (A small internal maker, so
 * this module works without lib/masks; pass `makeMask` to `routingAccuracy` to use others.)
 */
export function routingMask(width: number, height: number, fraction: number, kind: RoutingMaskKind, rng: Rng): Mask {
  if (!(fraction >= 0 && fraction <= 1)) throw new Error(`hole fraction must be in [0, 1], got ${fraction}`);
  const data = new Uint8Array(width * height);
  if (kind === "square") {
    const s = Math.sqrt(fraction);
    const w = Math.min(width, Math.round(width * s));
    const h = Math.min(height, Math.round(height * s));
    const x0 = rng.int(width - w + 1);
    const y0 = rng.int(height - h + 1);
    for (let y = y0; y < y0 + h; y++) data.fill(1, y * width + x0, y * width + x0 + w);
  } else if (kind === "blocks") {
    const side = Math.max(1, Math.round(Math.min(width, height) / 8));
    const target = Math.round(fraction * width * height);
    let covered = 0;
    let guard = 0;
    while (covered < target && guard++ < 100000) {
      const x0 = rng.int(Math.max(1, width - side + 1));
      const y0 = rng.int(Math.max(1, height - side + 1));
      for (let y = y0; y < Math.min(height, y0 + side) && covered < target; y++) {
        for (let x = x0; x < Math.min(width, x0 + side) && covered < target; x++) {
          const p = y * width + x;
          if (!data[p]) {
            data[p] = 1;
            covered++;
          }
        }
      }
    }
  } else {
    throw new Error(`unknown mask kind "${kind as string}"; use "square" or "blocks"`);
  }
  return { width, height, data };
}

/** The part of a feature extractor that routing needs (structurally a FeatureExtractor). */
export interface RoutingExtractor {
  readonly id: string;
  extract(images: ImageArray[]): Promise<Float32Array[]>;
}

export interface RoutingAccuracyOptions {
  /** Feature extractor (a `FeatureExtractor`); images must already be at the size it expects. */
  extractor: RoutingExtractor;
  /** Undamaged images (HWC, [-1, 1]). */
  images: ImageArray[];
  /** Cluster centres in normalised feature space (`ClusterModel.centers`). */
  centers: readonly Vec[];
  /** Normalisation used when the centres were made (`ClusterModel.normalization`). Default none. */
  normalization?: FeatureNormalization;
  /** Hole sizes as fractions of the image area. Default [0.1, 0.2, 0.3, 0.4, 0.5]. */
  holeFractions?: number[];
  /** Fill methods to compare. Default ["mean", "blur"]. */
  fills?: NeutralFill[];
  /** Mask shapes. Default ["square"]. */
  maskKinds?: RoutingMaskKind[];
  /** Custom mask maker (e.g. from lib/masks); replaces the internal one when given. */
  makeMask?: (width: number, height: number, fraction: number, kind: RoutingMaskKind, rng: Rng) => Mask;
  /** Seed for the masks: every fill method sees the same masks. Default 0. */
  seed?: number;
  /** Images per `extract` call. Default 16. */
  batch?: number;
  /** The reference clusters; default: the route of each undamaged image. */
  referenceClusters?: ArrayLike<number>;
  /** Called after each (kind, fraction, fill) with its row. */
  onRow?: (row: RoutingRow) => void;
}

/** Routing agreement for one hole size, fill method and mask shape. */
export interface RoutingRow {
  extractor: string;
  maskKind: RoutingMaskKind;
  holeFraction: number;
  fill: NeutralFill;
  /** Images routed. */
  n: number;
  /** Images routed to the same cluster as undamaged. */
  agree: number;
  /** agree / n. */
  accuracy: number;
}

async function extractAll(ex: RoutingExtractor, images: ImageArray[], batch: number): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = 0; i < images.length; i += batch) out.push(...(await ex.extract(images.slice(i, i + batch))));
  return out;
}

/**
 * Damage every image with a synthetic hole of each size, fill it neutrally, extract features,
 * route, and count agreement with the cluster of the undamaged image. Rows per
 * (mask kind, hole fraction, fill method).
 */
export async function routingAccuracy(opts: RoutingAccuracyOptions): Promise<RoutingRow[]> {
  const { extractor, images, centers } = opts;
  if (images.length === 0) throw new Error("routingAccuracy: no images");
  const norm = opts.normalization ?? { kind: "none" };
  const fractions = opts.holeFractions ?? [0.1, 0.2, 0.3, 0.4, 0.5];
  const fills = opts.fills ?? ["mean", "blur"];
  const kinds = opts.maskKinds ?? ["square"];
  const batch = Math.max(1, opts.batch ?? 16);
  const makeMask = opts.makeMask ?? routingMask;
  const model = { normalization: norm, centers, extractor: extractor.id };
  const route = (f: Float32Array): number => routeFeatures(model, f);
  const reference = opts.referenceClusters
    ? Array.from(opts.referenceClusters)
    : (await extractAll(extractor, images, batch)).map(route);
  if (reference.length !== images.length) throw new Error(`routingAccuracy: ${reference.length} reference clusters for ${images.length} images`);
  const rows: RoutingRow[] = [];
  for (const kind of kinds) {
    for (const fraction of fractions) {
      const rng = createRng((opts.seed ?? 0) + Math.round(fraction * 1000) * 7 + (kind === "blocks" ? 1 : 0));
      const masks = images.map((img) => makeMask(img.width, img.height, fraction, kind, rng));
      for (const fill of fills) {
        const damaged = images.map((img, i) => neutralFill(img, masks[i], fill));
        const feats = await extractAll(extractor, damaged, batch);
        let agree = 0;
        feats.forEach((f, i) => {
          if (route(f) === reference[i]) agree++;
        });
        const row: RoutingRow = { extractor: extractor.id, maskKind: kind, holeFraction: fraction, fill, n: images.length, agree, accuracy: agree / images.length };
        opts.onRow?.(row);
        rows.push(row);
      }
    }
  }
  return rows;
}
