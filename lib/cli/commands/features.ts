/**
 * `heritage features list|extract|compare`: the global feature extractors, their cache, and how
 * well each groups a labelled collection (k-means, then ARI / NMI / silhouette).
 */
import type { Command } from "commander";

import { defaultExperiment } from "../../config/experiment.js";
import { numberOption as num } from "../options.js";

/** The config schema's defaults (the one place they are written). */
const D = defaultExperiment();

const list = (v: string): string[] =>
  v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

async function dataDir(o: Record<string, unknown>): Promise<string> {
  if (o.data) return o.data as string;
  const { sharedPaintingsDir } = await import("../../util/paths.js");
  const d = sharedPaintingsDir();
  if (!d) throw new Error("no --data given and ../shared/paintings is not there; pass --data DIR");
  return d;
}

/**
 * Per-id options from the shared flags (pooling applies to every CNN; --weights to the ids that
 * take Keras weights, and it is an error when none of `ids` does).
 */
async function extractorOptions(o: Record<string, unknown>, ids: string[]): Promise<Record<string, Record<string, unknown>>> {
  const { KERAS_WEIGHTS_IDS, weightsFileOption } = await import("../../features/registry.js");
  const out: Record<string, Record<string, unknown>> = {};
  if (o.weights && !ids.some((id) => KERAS_WEIGHTS_IDS.includes(id))) {
    // Names the first id in the message ("does not take Keras weights").
    weightsFileOption(ids[0] ?? "(none)", o.weights as string);
  }
  for (const id of ids) {
    const opts: Record<string, unknown> = {};
    if (o.pooling) opts.pooling = o.pooling;
    if (o.inputSize && ["vgg16", "vgg19", "resnet50"].includes(id)) opts.inputSize = o.inputSize;
    if (o.weights && KERAS_WEIGHTS_IDS.includes(id)) opts.weightsFile = weightsFileOption(id, o.weights as string);
    out[id] = opts;
  }
  return out;
}

const WEIGHTS_HELP = "a Keras .h5 weight file of your own (e.g. fine-tuned on paintings) for vgg16/vgg19/resnet50 and their style-* variants; no md5 check (the config field is features.weights)";

export function register(program: Command): void {
  const features = program.command("features").description("Global image features (CNN, SIFT/SURF bag of words): list, extract into the cache, compare");

  features
    .command("list")
    .description("List the feature extractors and whether each can run here (Keras CNNs need their weight file)")
    .option("--json", "print JSON on stdout", false)
    .action(async (o: { json: boolean }) => {
      const { listExtractors } = await import("../../features/registry.js");
      const rows = listExtractors();
      if (o.json) process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
      else for (const r of rows) process.stdout.write(`${r.available ? "yes" : "no "}  ${r.id.padEnd(22)} ${r.description}${r.why ? `\n     ${r.why}` : ""}\n`);
    });

  features
    .command("extract")
    .description("Compute one extractor's features for a dataset folder into the feature cache (only missing ones are computed)")
    .option("--data <dir>", "dataset folder (manifest.csv or label subfolders); default ../shared/paintings")
    .requiredOption("--extractor <id>", "extractor id (see `heritage features list`)")
    .option("--pooling <mode>", "CNNs: flatten (paper), avg or max over the last conv map (default: flatten for VGG/ResNet, avg for nsfwjs nets)")
    .option("--input-size <px>", "VGG/ResNet input side in pixels (32-1024; default 224)", num("input-size", 32, 1024))
    .option("--weights <file>", WEIGHTS_HELP)
    .option("--batch <n>", "images per extraction batch (1-256; config features.batch)", num("batch", 1, 256), D.features.batch)
    .option("--limit <n>", "only the first N images (0 = all)", num("limit", 0, 1e9), 0)
    .option("--refresh", "recompute even when cached", false)
    .option("--out <file>", "also write {ids, labels, dim, features} as JSON to this file")
    .option("--json", "print a summary as JSON on stdout", false)
    .action(async (o: Record<string, unknown>) => {
      const { initBackend } = await import("../../runtime/backend.js");
      const { listDataset } = await import("../../data/dataset.js");
      const { createExtractor } = await import("../../features/registry.js");
      const { extractFeaturesDetailed } = await import("../../features/cache.js");
      const { writeJsonAtomic } = await import("../../util/fs.js");
      await initBackend();
      const dir = await dataDir(o);
      let { items } = await listDataset(dir);
      if ((o.limit as number) > 0) items = items.slice(0, o.limit as number);
      const id = o.extractor as string;
      const ex = await createExtractor(id, (await extractorOptions(o, [id]))[id]);
      try {
        if (ex.fit) throw new Error(`${id} needs fitting on a training set; use \`heritage features compare\` or the study pipeline`);
        const got = await extractFeaturesDetailed(ex, items, { batch: o.batch as number, refresh: o.refresh as boolean });
        if (o.out) {
          await writeJsonAtomic(o.out as string, { extractor: id, options: ex.options, dim: ex.dim(), ids: items.map((i) => i.id), labels: items.map((i) => i.label), features: got.features.map((f) => Array.from(f)) });
        }
        const summary = { extractor: id, options: ex.options, n: items.length, dim: ex.dim(), cached: got.cached, computed: got.computed, msPerImage: got.msPerImage, cacheDir: got.dir };
        if (o.json) process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
        else process.stdout.write(`${id}: ${items.length} images, dim ${ex.dim()}, ${got.computed} computed, ${got.cached} cached, ${got.msPerImage?.toFixed(1) ?? "?"} ms/image -> ${got.dir}\n`);
      } finally {
        ex.dispose();
      }
    });

  features
    .command("compare")
    .description("Run every available extractor on a labelled dataset; report dims, ms/image, and ARI/NMI/silhouette (mean ± sd [min, max] over k-means seeds) after k-means with K clusters; exits 1 when every extractor failed")
    .option("--data <dir>", "labelled dataset folder (manifest.csv or label subfolders); default ../shared/paintings")
    .option("--k <k>", "number of k-means clusters (2-1000; default: the number of labels)", num("k", 2, 1000))
    .option("--extractors <ids>", "comma-separated extractor ids (default: every available one)", list)
    .option("--download", "also run Keras CNNs whose weight files are missing, downloading them (needs internet)", false)
    .option("--pooling <mode>", "CNNs: flatten (paper), avg or max over the last conv map (default per extractor)")
    .option("--input-size <px>", "VGG/ResNet input side in pixels (32-1024; default 224)", num("input-size", 32, 1024))
    .option("--normalize <mode>", "none (as the paper) or l2: scale each feature vector to unit length before k-means", "none")
    .option("--weights <file>", WEIGHTS_HELP)
    .option("--seed <n>", "first k-means seed", num("seed", 0, 2 ** 31), 0)
    .option("--seeds <n>", "k-means seeds (seed, seed+1, ...); scores are mean ± sd [min, max] over them (1-100)", num("seeds", 1, 100), 5)
    .option("--n-init <n>", "k-means restarts per seed, best inertia wins (1-100; config cluster.nInit)", num("n-init", 1, 100), D.cluster.nInit)
    .option("--batch <n>", "images per extraction batch (1-256; config features.batch)", num("batch", 1, 256), D.features.batch)
    .option("--silhouette-sample <n>", "silhouette on a random subset of N rows (default: all)", num("silhouette-sample", 3, 1e9))
    .option("--limit <n>", "only the first N images (0 = all)", num("limit", 0, 1e9), 0)
    .option("--fit-limit <n>", "extractors that are fitted (bag of visual words): fit on N images evenly spaced through the dataset (default: all)", num("fit-limit", 1, 1e9))
    .option("--json", "print the result as JSON on stdout", false)
    .action(async (o: Record<string, unknown>) => {
      const { initBackend } = await import("../../runtime/backend.js");
      const { listDataset } = await import("../../data/dataset.js");
      const { allFailedMessage, compareExtractors, compareTable } = await import("../../features/compare.js");
      const { KERAS_WEIGHTS_IDS, listExtractors } = await import("../../features/registry.js");
      if (o.normalize !== "none" && o.normalize !== "l2") throw new Error(`--normalize must be none or l2, got "${String(o.normalize)}"`);
      if (o.pooling && !["flatten", "avg", "max"].includes(o.pooling as string)) throw new Error(`--pooling must be flatten, avg or max, got "${String(o.pooling)}"`);
      const backend = await initBackend();
      const dir = await dataDir(o);
      let { items, labels } = await listDataset(dir);
      if ((o.limit as number) > 0) {
        items = items.slice(0, o.limit as number);
        labels = [...new Set(items.map((i) => i.label).filter((l): l is string => l !== null))].sort();
      }
      const k = (o.k as number | undefined) ?? labels.length;
      // With --weights, the Keras CNNs run on that file even without the published one.
      const ids =
        (o.extractors as string[] | undefined) ??
        listExtractors()
          .filter((e) => e.available || o.download || (o.weights && KERAS_WEIGHTS_IDS.includes(e.id)))
          .map((e) => e.id);
      const extractorOpts = await extractorOptions(o, ids);
      const result = await compareExtractors(items, {
        k: Math.floor(k),
        extractors: ids,
        download: o.download as boolean,
        extractorOptions: extractorOpts,
        normalize: o.normalize as "none" | "l2",
        seed: o.seed as number,
        seeds: o.seeds as number,
        nInit: o.nInit as number,
        batch: o.batch as number,
        silhouetteSample: o.silhouetteSample as number | undefined,
        fitLimit: o.fitLimit as number | undefined,
      });
      const skipped = listExtractors().filter((e) => !ids.includes(e.id));
      const out = { data: dir, backend: backend.name, threads: backend.threads, normalize: o.normalize, seed: o.seed, seeds: o.seeds, nInit: o.nInit, ...result, skipped };
      if (o.json) process.stdout.write(JSON.stringify(out, null, 2) + "\n");
      else {
        process.stdout.write(
          `${result.n} images, ${result.labels.length} labels, k = ${result.k}, k-means ${o.seeds} seeds x ${o.nInit} restarts (mean ± sd [min, max] over seeds), backend ${backend.name}\n\n${compareTable(result)}\n`,
        );
        for (const s of skipped) process.stdout.write(`skipped ${s.id}: ${s.why ?? "not selected"}\n`);
      }
      // The exit code tells the truth: nothing measured is a failure.
      const failed = allFailedMessage(result);
      if (failed) throw new Error(failed);
    });
}
