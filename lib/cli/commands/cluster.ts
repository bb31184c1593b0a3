/**
 * `heritage cluster`, two ways:
 * - the run's cluster stage (`--config`, `--run` or `--set` given): the config's data split and
 *   k-means settings, the training images only, clusters/k<K>/ of the run folder, reused or refused
 *   as `heritage run` does (the same stage function, ../../pipeline/cluster-stage.ts);
 * - a one-off on a dataset folder (only `--data` and the k-means flags): every image of the folder,
 *   optionally a K sweep, a UMAP figure and the routing accuracy of damaged images, into --out.
 * Flag defaults are the config schema's (../../config/experiment.ts).
 */
import type { Command } from "commander";
import { defaultExperiment } from "../../config/experiment.js";
import { collect, intOption as int, openIntervalList, resolveStageConfig, type StageCliOptions } from "../options.js";

/** Flags that map onto config fields in the stage mode. */
const CONFIG_FLAGS: Record<string, (v: unknown) => Record<string, unknown>> = {
  k: (v) => ({ cluster: { k: v } }),
  minSize: (v) => ({ cluster: { minSize: v } }),
  balanced: (v) => ({ cluster: { balanced: v } }),
  nInit: (v) => ({ cluster: { nInit: v } }),
  seed: (v) => ({ seed: v }),
  extractor: (v) => ({ features: { extractor: v } }),
  weights: (v) => ({ features: { weights: v } }),
  batch: (v) => ({ features: { batch: v } }),
};

/** One-off flags with no place in a run's cluster stage. */
const ONE_OFF_FLAGS = ["pooling", "normalize", "gapRefs", "limit", "refresh", "umapOut", "thumbnails", "umapNeighbors", "routing", "holes", "routingLimit", "maskKinds"];

export function register(program: Command): void {
  const D = defaultExperiment();
  const cmd = program
    .command("cluster")
    .description(
      "Cluster paintings by global features with k-means. With --config/--run/--set: the run's cluster stage (training split, config settings, " +
        "clusters/k<K>/ of the run folder, as `heritage run`); else a one-off on --data (clusters.json, sweep table, UMAP figure, routing accuracy in --out)",
    )
    .option("--config <file>", "experiment config: run the cluster stage of that run (its data split and cluster settings)")
    .option("--run <name>", "run name (results/<name>) or run folder (a path); the stage mode reads the run's config.json when --config is not given")
    .option("--set <a.b=value>", "override a config field (repeatable), e.g. --set cluster.k=8 --set seed=1", collect, [])
    .option("--data <dir>", "dataset folder (manifest.csv, label subfolders or flat); default ../shared/paintings (stage mode: the config's data.dir)")
    .option("--extractor <id>", "feature extractor id (see `heritage features list`); default: the offline default")
    .option("--pooling <mode>", "CNN pooling: flatten, avg or max (default per extractor)")
    .option("--weights <file>", "a Keras .h5 weight file of your own for --extractor vgg16/vgg19/resnet50 (or style-*); no md5 check (config: features.weights)")
    .option("--k <k>", "number of clusters (1-1000; config cluster.k)", int("k", 1, 1000))
    .option("--sweep <range>", 'K values to sweep, "A..B" or "2,4,8": reports elbow, silhouette, DB, CH, gap; uses the suggested K unless --k is given')
    .option("--normalize <mode>", "feature normalisation before k-means: none, l2, standardize or l2-standardize", "l2")
    .option("--min-size <n>", "dissolve clusters with fewer than N images into their nearest neighbours (0 = off; config cluster.minSize)", int("min-size", 0, 1e9), D.cluster.minSize)
    .option("--balanced", "size-balanced k-means: every cluster gets floor(n/k) or ceil(n/k) images (config cluster.balanced)", D.cluster.balanced)
    .option("--seed <n>", "seed for k-means, gap references, UMAP and routing masks (config seed)", int("seed", 0, 2 ** 31), D.seed)
    .option("--n-init <n>", "k-means restarts, lowest inertia kept (1-100; config cluster.nInit)", int("n-init", 1, 100), D.cluster.nInit)
    .option("--gap-refs <n>", "reference sets for the gap statistic in a sweep (0 = skip the gap)", int("gap-refs", 0, 1000), 10)
    .option("--limit <n>", "only the first N images of the listing (0 = all)", int("limit", 0, 1e9), 0)
    .option("--batch <n>", "images per feature extraction batch (1-256; config features.batch)", int("batch", 1, 256), D.features.batch)
    .option("--refresh", "recompute features even when cached", false)
    .option("--umap-out <file>", "write a UMAP scatter coloured by cluster (and label): .html, or .png/.svg (needs Chromium)")
    .option("--thumbnails", "draw each painting's thumbnail at its UMAP point", false)
    .option("--umap-neighbors <n>", "UMAP neighbours (2-200)", int("umap-neighbors", 2, 200), 15)
    .option("--routing", "measure routing accuracy of damaged images (hole filled neutrally) against the undamaged image's cluster", false)
    .option("--holes <list>", "hole fractions for --routing", openIntervalList("holes", 0, 1), [0.1, 0.2, 0.3, 0.4, 0.5])
    .option("--routing-limit <n>", "route a random subset of N images (0 = all)", int("routing-limit", 0, 1e9), 0)
    .option("--mask-kinds <list>", "hole shapes for --routing: square, blocks (comma-separated)", "square")
    .option("--out <dir>", "one-off: output folder for clusters.json, sweep.csv, umap.json, routing.json, summary.json (default results/cluster); stage mode: the run folder")
    .option("--json", "print the summary as JSON on stdout", false)
    .action(async (o: Record<string, unknown>) => {
      const given = (name: string) => cmd.getOptionValueSource(name) === "cli";
      if (o.config !== undefined || o.run !== undefined || (o.set as string[]).length > 0) {
        await clusterStageCli(o as StageCliOptions & Record<string, unknown>, given);
        return;
      }
      o.out ??= "results/cluster";
      const { initBackend } = await import("../../runtime/backend.js");
      const { sharedPaintingsDir } = await import("../../util/paths.js");
      const { clusterDataset } = await import("../../cluster/run.js");
      const { parseKRange } = await import("../../cluster/sweep.js");
      const { NORMALIZATION_KINDS } = await import("../../cluster/model.js");
      const normalize = o.normalize as string;
      if (!(NORMALIZATION_KINDS as readonly string[]).includes(normalize)) {
        throw new Error(`--normalize must be one of ${NORMALIZATION_KINDS.join(", ")}, got "${normalize}"`);
      }
      if (o.pooling && !["flatten", "avg", "max"].includes(o.pooling as string)) throw new Error(`--pooling must be flatten, avg or max, got "${String(o.pooling)}"`);
      const kinds = String(o.maskKinds).split(",").map((s) => s.trim());
      if (kinds.some((k) => k !== "square" && k !== "blocks")) throw new Error(`--mask-kinds must list square and/or blocks, got "${String(o.maskKinds)}"`);
      const sweep = o.sweep ? parseKRange(o.sweep as string) : undefined;
      if (o.k === undefined && !sweep) throw new Error("give --k K or --sweep A..B");
      const data = (o.data as string | undefined) ?? sharedPaintingsDir();
      if (!data) throw new Error("no --data given and ../shared/paintings is not there; pass --data DIR");
      const extractorOptions: Record<string, unknown> = o.pooling ? { pooling: o.pooling } : {};
      if (o.weights) {
        const { DEFAULT_EXTRACTOR, weightsFileOption } = await import("../../features/registry.js");
        extractorOptions.weightsFile = weightsFileOption((o.extractor as string | undefined) ?? DEFAULT_EXTRACTOR, o.weights as string);
      }
      await initBackend();
      const summary = await clusterDataset({
        data,
        outDir: o.out as string,
        extractor: o.extractor as string | undefined,
        extractorOptions,
        k: o.k as number | undefined,
        sweep,
        normalization: normalize as "l2",
        seed: o.seed as number,
        nInit: o.nInit as number,
        minSize: o.minSize as number,
        balanced: o.balanced as boolean,
        gapRefs: o.gapRefs as number,
        limit: o.limit as number,
        batch: o.batch as number,
        refresh: o.refresh as boolean,
        umapOut: o.umapOut as string | undefined,
        thumbnails: o.thumbnails as boolean,
        umap: { nNeighbors: o.umapNeighbors as number },
        routing: o.routing
          ? { holeFractions: o.holes as number[], maskKinds: kinds as ("square" | "blocks")[], limit: (o.routingLimit as number) || undefined }
          : undefined,
      });
      if (o.json) {
        process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
        return;
      }
      const m = summary.metrics;
      const f = (v: number | null, d = 3): string => (v === null ? "-" : v.toFixed(d));
      const lines = [
        `${summary.n} images, ${summary.extractor} (${summary.dim} dims, ${summary.normalization}), k = ${summary.k}${summary.k !== summary.kRequested ? ` (from ${summary.kRequested})` : ""}`,
        `sizes: ${summary.sizes.join(" ")}`,
        ...(summary.skipped.length ? [`left out (cannot be read or decoded): ${summary.skipped.length}: ${summary.skipped.map((s) => s.file).join(", ")}`] : []),
        `inertia ${m.inertia.toFixed(3)}, silhouette ${f(m.silhouette)}, Davies-Bouldin ${f(m.daviesBouldin)}, Calinski-Harabasz ${f(m.calinskiHarabasz, 1)}`,
      ];
      if (m.ari !== null) lines.push(`against labels (${summary.labels.length}): ARI ${f(m.ari)}, NMI ${f(m.nmi)}, purity ${f(m.purity)}`);
      if (summary.suggestion) lines.push(`suggested K: ${summary.suggestion.k} (${summary.suggestion.reason}; votes ${JSON.stringify(summary.suggestion.votes)})`);
      for (const mr of summary.merged) lines.push(`dissolved cluster ${mr.from} (${mr.size} images) into ${JSON.stringify(mr.into)}`);
      for (const r of summary.routing ?? []) lines.push(`routing ${r.maskKind} ${(r.holeFraction * 100).toFixed(0)} % ${r.fill}: ${(r.accuracy * 100).toFixed(1)} %`);
      for (const [what, file] of Object.entries(summary.files)) lines.push(`${what}: ${file}`);
      process.stdout.write(lines.join("\n") + "\n");
    });
}

/** The run's cluster stage: data split, then k-means per K on the training images (the stage `heritage run` runs). */
async function clusterStageCli(o: StageCliOptions & Record<string, unknown>, given: (name: string) => boolean): Promise<void> {
  const oneOff = ONE_OFF_FLAGS.filter(given);
  if (oneOff.length) throw new Error(`${oneOff.map((f) => `--${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(", ")}: one-off options; leave out --config/--run/--set to use them on a dataset folder`);
  let extra: Record<string, unknown> = {};
  const { deepMerge } = await import("../../config/overrides.js");
  for (const [flag, toConfig] of Object.entries(CONFIG_FLAGS)) if (given(flag)) extra = deepMerge(extra, toConfig(o[flag]));
  if (given("sweep")) {
    const { parseKRange } = await import("../../cluster/sweep.js");
    extra = deepMerge(extra, { cluster: { sweep: parseKRange(o.sweep as string) } });
  }
  const { initBackend } = await import("../../runtime/backend.js");
  const { writeJsonAtomic } = await import("../../util/fs.js");
  const { dataStage } = await import("../../pipeline/data-stage.js");
  const { clusterKs, clusterStage } = await import("../../pipeline/cluster-stage.js");
  const { cfg, layout } = await resolveStageConfig(o, extra);
  await initBackend();
  const data = await dataStage(cfg, layout, o.data as string | undefined);
  const clusterings = await clusterStage(cfg, layout, data.dir, data.train, clusterKs(cfg));
  await writeJsonAtomic(layout.config, cfg); // after the stage: config.json holds what the run was made with
  const rows = [...clusterings].map(([k, m]) => ({ k, clusters: m.k, sizes: m.sizes, metrics: m.metrics, file: layout.clusters(k) }));
  if (o.json) {
    process.stdout.write(JSON.stringify({ runDir: layout.dir, train: data.train.length, test: data.test.length, clusterings: rows }, null, 2) + "\n");
    return;
  }
  const f = (v: number | null | undefined, d = 3): string => (v === null || v === undefined ? "-" : v.toFixed(d));
  const lines = [`${data.train.length} training images of ${data.items.length} (${data.test.length} held out), ${cfg.features.extractor}, seed ${cfg.seed}: ${layout.dir}`];
  for (const r of rows) {
    lines.push(`K = ${r.k}${r.clusters !== r.k ? ` (${r.clusters} after merging)` : ""}: sizes ${r.sizes.join(" ")}; silhouette ${f(r.metrics.silhouette)}, ARI ${f(r.metrics.ari)}, NMI ${f(r.metrics.nmi)}`);
    lines.push(`  ${r.file}`);
  }
  process.stdout.write(lines.join("\n") + "\n");
}
