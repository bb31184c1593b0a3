/**
 * The embedded default dataset: a deterministic procedural generator of "paintings" in distinct
 * styles (one module per style), and a writer that puts them on disk in the dataset format
 * (`<out>/<style>/<style>_<i>.png` + `<out>/manifest.csv`).
 *
 * Each picture is drawn in normalised coordinates on a supersampled canvas (at least ~192 px a side),
 * given a shared physical finish (weave, varnish, vignette, exposure), then box-downsampled, so
 * 32, 64 and 128 px versions of one seed show the same picture, anti-aliased.
 */
import { promises as fsp } from "node:fs";
import path from "node:path";
import { fileExists, readJson, sha256, writeFileAtomic, writeJsonAtomic } from "../../util/fs.js";
import { info } from "../../util/log.js";
import { progress } from "../../util/progress.js";
import { createRng, type Rng } from "../../util/random.js";
import { formatCsv } from "../csv.js";
import { encodePng } from "../encode.js";
import type { ImageArray } from "../image.js";
import { Canvas } from "./canvas.js";
import { renderColorField } from "./colorfield.js";
import { applyFinish, type FinishOptions } from "./finish.js";
import { renderGeometric } from "./geometric.js";
import { renderImpressionist } from "./impressionist.js";
import { renderPointillist } from "./pointillist.js";
import { renderPortrait } from "./portrait.js";
import { renderWoodblock } from "./woodblock.js";

interface StyleDef {
  draw: (c: Canvas, rng: Rng) => void;
  /** Human title used in the manifest. */
  title: string;
  finish?: FinishOptions;
}

const STYLES: Record<string, StyleDef> = {
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

export interface SynthOptions {
  /** Output folder (created). */
  out: string;
  /** Pictures per style, >= 1 (e.g. 100 for experiments, 10 for a look). */
  perStyle: number;
  /** Side length in pixels, 8..1024 (32, 64 and 128 are the usual). */
  size: number;
  /** Master seed; the same seed, size and count give byte-identical files. Default 0. */
  seed?: number;
  /** Which styles to write; default all of {@link SYNTH_STYLES}. */
  styles?: readonly string[];
}

export interface SynthResult {
  /** Pictures in the dataset (written now or already there). */
  count: number;
  /** The absolute output folder. */
  dir: string;
  /** Pictures written by this call. */
  written: number;
  /** Pictures already present and kept (resume). */
  existing: number;
}

/** Manifest columns of the synthetic dataset (the first ones match ../shared/paintings). */
export const SYNTH_MANIFEST_COLUMNS = ["file", "label", "source", "artist", "title", "date", "license"] as const;

/**
 * Write the synthetic dataset: `<out>/<style>/<style>_<i>.png` (i from 0, zero-padded to 4 digits)
 * and `<out>/manifest.csv`, plus `<out>/synth.json` with the parameters. Deterministic and resumable:
 * files that already exist are kept (every file is written atomically, so an existing file is
 * complete); a folder made with another size or seed is refused rather than mixed, and one made by
 * another {@link SYNTH_GENERATOR} version is re-rendered in full.
 */
export async function writeSynthDataset(opts: SynthOptions): Promise<SynthResult> {
  const dir = path.resolve(opts.out);
  const seed = opts.seed ?? 0;
  const styles = opts.styles ?? SYNTH_STYLES;
  for (const s of styles) if (!STYLES[s]) throw new Error(`unknown synthetic style "${s}" (styles: ${SYNTH_STYLES.join(", ")})`);
  if (!Number.isInteger(opts.perStyle) || opts.perStyle < 1) throw new Error(`perStyle must be a positive integer, got ${opts.perStyle}`);
  if (!Number.isInteger(opts.size) || opts.size < 8 || opts.size > 1024) throw new Error(`size must be an integer in 8..1024, got ${opts.size}`);
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  await fsp.mkdir(dir, { recursive: true });
  const paramsFile = path.join(dir, "synth.json");
  const params = { generator: SYNTH_GENERATOR, size: opts.size, seed };
  let rerender = false;
  let oldGenerator = "";
  if (fileExists(paramsFile)) {
    const old = await readJson<typeof params>(paramsFile);
    if (old.size !== params.size || old.seed !== params.seed) {
      throw new Error(
        `${dir} already holds a synthetic dataset made with size ${old.size}, seed ${old.seed}; ` +
          `use another --out folder for size ${params.size}, seed ${params.seed}`,
      );
    }
    if (old.generator !== params.generator) {
      rerender = true;
      oldGenerator = String(old.generator);
      info(`synth: ${dir} was made by ${old.generator}; re-rendering every picture with ${params.generator}`);
    }
  }
  // size and seed are recorded first (a killed run cannot be resumed with other ones); during a
  // re-render the old generator name stays until the end, so a killed re-render starts over
  await writeJsonAtomic(paramsFile, rerender ? { ...params, generator: oldGenerator } : params);

  const total = styles.length * opts.perStyle;
  const bar = progress("synth", total);
  const records: Record<string, string>[] = [];
  let written = 0;
  let existing = 0;
  const pending = new Set<Promise<void>>();
  for (const style of styles) {
    const def = STYLES[style]!;
    for (let i = 0; i < opts.perStyle; i++) {
      const name = `${style}_${String(i).padStart(4, "0")}.png`;
      const rel = `${style}/${name}`;
      const file = path.join(dir, style, name);
      records.push({
        file: rel,
        label: style,
        source: "synthetic",
        artist: "heritage synth",
        title: `${def.title} no. ${i + 1} (seed ${seed})`,
        date: "",
        license: "CC0 (generated)",
      });
      const st = rerender ? null : await fsp.stat(file).catch(() => null);
      if (st && st.isFile() && st.size > 0) {
        existing++;
        bar.tick();
        continue;
      }
      const img = renderDatasetPainting(style, i, opts.size, seed);
      const job: Promise<void> = encodePng(img, "unit")
        .then((png) => writeFileAtomic(file, png))
        .then(() => {
          written++;
          bar.tick();
          pending.delete(job);
        });
      pending.add(job);
      if (pending.size >= 4) await Promise.race(pending);
    }
  }
  await Promise.all(pending);
  await writeFileAtomic(path.join(dir, "manifest.csv"), formatCsv(SYNTH_MANIFEST_COLUMNS, records));
  // now every picture is from this generator
  await writeJsonAtomic(paramsFile, params);
  bar.stop(`${total} pictures in ${dir} (${written} written, ${existing} already there), ${styles.length} styles, ${opts.size} px, seed ${seed}`);
  return { count: total, dir, written, existing };
}
