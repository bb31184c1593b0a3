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
import { fileExists, readJson, writeFileAtomic, writeJsonAtomic } from "../../util/fs.js";
import { info } from "../../util/log.js";
import { progress } from "../../util/progress.js";
import { formatCsv } from "../csv.js";
import { encodePng } from "../encode.js";
import { createRenderPool } from "./pool.js";
import { STYLES, SYNTH_GENERATOR, SYNTH_STYLES } from "./render.js";

export {
  SYNTH_GENERATOR,
  SYNTH_STYLES,
  STYLES,
  paintingSeed,
  renderDatasetPainting,
  renderPainting,
  supersampleFactor,
  type StyleDef,
} from "./render.js";

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
  /**
   * Worker threads rendering in parallel (1 = on the calling thread). Output does not depend on it.
   * Default: the available cores, at most 8.
   */
  threads?: number;
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
  const pool = createRenderPool(opts.threads);
  const maxPending = Math.max(4, 2 * pool.threads);
  let failure: Error | undefined;
  try {
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
        if (failure) break;
        const job: Promise<void> = pool
          .render(style, i, opts.size, seed)
          .then((img) => encodePng(img, "unit"))
          .then((png) => writeFileAtomic(file, png))
          .then(
            () => {
              written++;
              bar.tick();
            },
            (err: Error) => {
              failure ??= new Error(`synth: cannot write ${file}: ${err.message}`);
            },
          )
          .finally(() => pending.delete(job));
        pending.add(job);
        if (pending.size >= maxPending) await Promise.race(pending);
      }
    }
  } finally {
    await Promise.all(pending); // jobs never reject (failures are recorded)
    await pool.close();
  }
  if (failure) throw failure;
  await writeFileAtomic(path.join(dir, "manifest.csv"), formatCsv(SYNTH_MANIFEST_COLUMNS, records));
  // now every picture is from this generator
  await writeJsonAtomic(paramsFile, params);
  bar.stop(`${total} pictures in ${dir} (${written} written, ${existing} already there), ${styles.length} styles, ${opts.size} px, seed ${seed}`);
  return { count: total, dir, written, existing };
}
