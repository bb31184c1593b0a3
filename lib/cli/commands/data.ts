/**
 * `heritage data`: the data layer on the command line.
 *   data synth  — write the embedded procedural dataset
 *   data info   — list a dataset, check every image decodes, count per label
 *   data grid   — a contact-sheet PNG of a dataset, for a quick look
 */
import type { Command } from "commander";
import path from "node:path";
import { countByLabel, listDataset, type DatasetItem } from "../../data/dataset.js";
import { imageGrid, saveImagePng } from "../../data/encode.js";
import { loadImages } from "../../data/load.js";
import { classifyDecoded } from "../../data/screen.js";
import { SYNTH_STYLES, writeSynthDataset } from "../../data/synth/index.js";
import { info } from "../../util/log.js";
import { intOption as int } from "../options.js";

/** Where command results go (stdout by default; tests pass their own). */
export interface Output {
  write(text: string): void;
}

export function register(program: Command, out: Output = process.stdout): void {
  const data = program.command("data").description("datasets: make the embedded synthetic paintings, inspect a folder, preview it");

  data
    .command("synth")
    .description("write the procedural 'paintings' dataset (<out>/<style>/<style>_<i>.png + manifest.csv); deterministic and resumable")
    .option("--out <dir>", "output folder", "data/synth")
    .option("--per-style <n>", "pictures per style (1..100000)", int("per-style", 1, 100000), 100)
    .option("--size <px>", "side length in pixels (8..1024; 32, 64 or 128 usual)", int("size", 8, 1024), 64)
    .option("--seed <k>", "master seed (same seed and size give byte-identical files)", int("seed", 0, 2 ** 31 - 1), 0)
    .option("--styles <list>", `comma-separated subset of styles (default all: ${SYNTH_STYLES.join(",")})`)
    .option("--threads <n>", "worker threads rendering in parallel (1 = main thread only; default: cores, at most 8); output does not depend on it", int("threads", 1, 64))
    .option("--json", "print the result as JSON on stdout")
    .action(async (o: { out: string; perStyle: number; size: number; seed: number; styles?: string; threads?: number; json?: boolean }) => {
      const styles = o.styles ? o.styles.split(",").map((s) => s.trim()).filter(Boolean) : undefined;
      const t0 = Date.now();
      const res = await writeSynthDataset({ out: o.out, perStyle: o.perStyle, size: o.size, seed: o.seed, styles, threads: o.threads });
      const seconds = (Date.now() - t0) / 1000;
      if (o.json) out.write(JSON.stringify({ ...res, styles: styles ?? SYNTH_STYLES, size: o.size, seed: o.seed, seconds }, null, 2) + "\n");
      else info(`wrote ${res.dir} in ${seconds.toFixed(1)} s`);
    });

  data
    .command("info")
    .description("list a dataset (manifest.csv, label subfolders or flat), decode every image, report counts per label and skipped files")
    .requiredOption("--data <dir>", "dataset folder")
    .option("--size <px>", "decode size used for the check (fills the cache for later loads at this size)", int("size", 8, 1024), 64)
    .option("--no-check", "only list the files, do not decode them")
    .option("--no-cache", "do not read or write the decoded-image cache")
    .option("--json", "print the report as JSON on stdout")
    .action(async (o: { data: string; size: number; check: boolean; cache: boolean; json?: boolean }) => {
      const listing = await listDataset(o.data);
      let loaded: DatasetItem[] = listing.items;
      let skipped: { file: string; reason: string }[] = [];
      let fromCache = 0;
      // decodable, but nothing a study can measure (lib/data/screen.ts): said here, left out by `heritage study`
      const notStudied: { file: string; why: "too small" | "flat"; reason: string }[] = [];
      if (o.check) {
        const r = await loadImages(listing.items, { size: o.size, cache: o.cache, label: "check images" });
        loaded = r.items;
        skipped = r.skipped;
        fromCache = r.fromCache;
        for (const [file, b] of await classifyDecoded(r.items, r.images)) {
          if (b.kind === "undecodable") skipped.push({ file, reason: b.reason });
          else notStudied.push({ file, why: b.kind === "tooSmall" ? "too small" : "flat", reason: b.reason });
        }
        if (skipped.length > r.skipped.length) {
          const gone = new Set(skipped.map((s) => s.file));
          loaded = loaded.filter((it) => !gone.has(it.file));
        }
      }
      const report = {
        dir: path.resolve(o.data),
        source: listing.source,
        listed: listing.items.length,
        checked: o.check,
        loaded: loaded.length,
        fromCache,
        labels: countByLabel(loaded),
        skipped,
        notStudied,
        ignored: listing.ignored,
      };
      if (o.json) {
        out.write(JSON.stringify(report, null, 2) + "\n");
        return;
      }
      const lines = [
        `dataset ${report.dir} (labels from ${report.source})`,
        `  ${report.listed} images listed${o.check ? `, ${report.loaded} decode, ${skipped.length} skipped` : ""}` +
          (listing.ignored.length ? `, ${listing.ignored.length} non-image files ignored` : ""),
        ...Object.entries(report.labels).map(([l, n]) => `  ${l.padEnd(28)} ${String(n).padStart(6)}`),
        ...skipped.map((s) => `  skipped ${s.file}: ${s.reason}`),
        ...notStudied.map((s) => `  not studied (${s.why}) ${s.file}: ${s.reason}`),
      ];
      out.write(lines.join("\n") + "\n");
    });

  data
    .command("grid")
    .description("write a contact sheet PNG of a dataset: up to --per-label images of each label, one row per label")
    .requiredOption("--data <dir>", "dataset folder")
    .requiredOption("--out <file>", "output PNG file")
    .option("--per-label <n>", "images per label (row length)", int("per-label", 1, 64), 8)
    .option("--size <px>", "tile size in pixels", int("size", 8, 512), 64)
    .action(async (o: { data: string; out: string; perLabel: number; size: number }) => {
      const listing = await listDataset(o.data);
      const chosen: DatasetItem[] = [];
      const seen: Record<string, number> = {};
      for (const it of listing.items) {
        const k = it.label ?? "";
        if ((seen[k] ?? 0) < o.perLabel) {
          seen[k] = (seen[k] ?? 0) + 1;
          chosen.push(it);
        }
      }
      const { images } = await loadImages(chosen, { size: o.size });
      if (images.length === 0) throw new Error(`no loadable images in ${o.data}`);
      await saveImagePng(imageGrid(images, o.perLabel, 2), o.out, "signed");
      info(`wrote ${o.out} (${images.length} images)`);
    });
}
