/**
 * Rendering one synthetic painting: the style registry and the seeded, size-independent renderer.
 * No file I/O and no sharp here, so worker threads can load it cheaply.
 */
import { sha256 } from "../../util/fs.js";
import { createRng, type Rng } from "../../util/random.js";
import type { ImageArray } from "../image.js";
import { Canvas } from "./canvas.js";
import { renderColorField } from "./colorfield.js";
import { applyFinish, type FinishOptions } from "./finish.js";
import { renderGeometric } from "./geometric.js";
import { renderImpressionist } from "./impressionist.js";
import { renderPointillist } from "./pointillist.js";
import { renderPortrait } from "./portrait.js";
import { renderWoodblock } from "./woodblock.js";

/** A style: its drawing function, manifest title and finish limits. */
export interface StyleDef {
  draw: (c: Canvas, rng: Rng) => void;
  /** Human title used in the manifest. */
  title: string;
  finish?: FinishOptions;
}

export const STYLES: Readonly<Record<string, StyleDef>> = {
  colorfield: { draw: renderColorField, title: "Colour field" },
  geometric: { draw: renderGeometric, title: "Composition with grid", finish: { maxVarnish: 0.15 } },
  woodblock: { draw: renderWoodblock, title: "Waves (woodblock)", finish: { maxVarnish: 0.35, maxVignette: 0.15 } },
  impressionist: { draw: renderImpressionist, title: "Landscape" },
  portrait: { draw: renderPortrait, title: "Portrait", finish: { maxVarnish: 0.4, maxVignette: 0.4 } },
  pointillist: { draw: renderPointillist, title: "Harbour (dots)", finish: { maxVarnish: 0.15, maxVignette: 0.15 } },
};

/**
 * Version of the drawing code. Bump it whenever a change alters any pixel: a folder made by another
 * version is re-rendered in full instead of being resumed (mixing versions would mix two datasets).
 */
export const SYNTH_GENERATOR = "heritage-synth v3";

/** The style names, which are also the labels of the synthetic dataset. */
export const SYNTH_STYLES: readonly string[] = Object.freeze(Object.keys(STYLES));

/** Supersampling factor used for an output size (canvas at least ~192 px, factor 2..8). */
export function supersampleFactor(size: number): number {
  return Math.min(8, Math.max(2, Math.ceil(192 / size)));
}

/**
 * Render one painting of `style` at `size` x `size`, values in [0, 1], drawing all randomness from
 * `rng` (the same rng state gives the same picture; the random draws do not depend on `size`).
 */
export function renderPainting(style: string, size: number, rng: Rng): ImageArray {
  const def = STYLES[style];
  if (!def) throw new Error(`unknown synthetic style "${style}" (styles: ${SYNTH_STYLES.join(", ")})`);
  if (!Number.isInteger(size) || size < 4 || size > 2048) throw new Error(`synthetic painting size must be an integer in 4..2048, got ${size}`);
  const ss = supersampleFactor(size);
  const canvas = new Canvas(size * ss, size * ss);
  def.draw(canvas, rng);
  applyFinish(canvas, rng, def.finish);
  return canvas.toImage(ss);
}

/** The seed of picture `index` of `style` in a dataset with master seed `seed` (independent streams). */
export function paintingSeed(seed: number, style: string, index: number): number {
  return parseInt(sha256(`heritage-synth:${seed}:${style}:${index}`).slice(0, 8), 16);
}

/** Render picture `index` of `style` for master seed `seed` (what {@link writeSynthDataset} writes). */
export function renderDatasetPainting(style: string, index: number, size: number, seed: number): ImageArray {
  return renderPainting(style, size, createRng(paintingSeed(seed, style, index)));
}

