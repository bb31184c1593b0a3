/**
 * How well a damaged painting is routed to a cluster (and so to that cluster's GAN) from its
 * visible pixels. Routing itself is the completer's (lib/inpaint/complete.ts `routeVisible`: the
 * hole made neutral with lib/inpaint/neutral-fill.ts, features extracted, normalised like the
 * training features, nearest centre); `routingAccuracy` measures how often it agrees with the
 * cluster of the undamaged image as the hole grows (10 %..50 % of the area by default).
 */
import type { ImageArray, Mask } from "../data/image.js";
import { routeVisible } from "../inpaint/complete.js";
import type { NeutralFill } from "../inpaint/neutral-fill.js";
import { createRng, type Rng } from "../util/random.js";
import { routeFeatures, type FeatureNormalization } from "./model.js";
import type { Vec } from "./vectors.js";

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
  const reference = opts.referenceClusters
    ? Array.from(opts.referenceClusters)
    : (await extractAll(extractor, images, batch)).map((f) => routeFeatures(model, f));
  if (reference.length !== images.length) throw new Error(`routingAccuracy: ${reference.length} reference clusters for ${images.length} images`);
  const rows: RoutingRow[] = [];
  for (const kind of kinds) {
    for (const fraction of fractions) {
      const rng = createRng((opts.seed ?? 0) + Math.round(fraction * 1000) * 7 + (kind === "blocks" ? 1 : 0));
      const masks = images.map((img) => makeMask(img.width, img.height, fraction, kind, rng));
      for (const fill of fills) {
        let agree = 0;
        for (let i = 0; i < images.length; i += batch) {
          const routed = await routeVisible(model, extractor, images.slice(i, i + batch), masks.slice(i, i + batch), fill);
          routed.forEach((c, j) => {
            if (c === reference[i + j]) agree++;
          });
        }
        const row: RoutingRow = { extractor: extractor.id, maskKind: kind, holeFraction: fraction, fill, n: images.length, agree, accuracy: agree / images.length };
        opts.onRow?.(row);
        rows.push(row);
      }
    }
  }
  return rows;
}
