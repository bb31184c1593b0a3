/**
 * `heritage cluster`: cluster a dataset's paintings by global features (k-means, optionally a K
 * sweep, size balancing and a minimum cluster size), write clusters.json for GAN training and
 * routing, and optionally a UMAP figure and the routing accuracy of damaged images.
 */
import type { Command } from "commander";

function int(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer in [${min}, ${max}], got "${v}"`);
    return n;
  };
}

function fractions(v: string): number[] {
  const xs = v.split(",").map((s) => Number(s.trim()));
  if (xs.length === 0 || xs.some((x) => !(x > 0 && x < 1))) throw new Error(`--holes must be comma-separated fractions in (0, 1), got "${v}"`);
  return xs;
}

export function register(program: Command): void {
  program
    .command("cluster")
    .description("Cluster paintings by global features with k-means; write clusters.json (and sweep table, UMAP figure, routing accuracy)")
    .option("--data <dir>", "dataset folder (manifest.csv, label subfolders or flat); default ../shared/paintings")
    .option("--extractor <id>", "feature extractor id (see `heritage features list`); default: the offline default")
    .option("--pooling <mode>", "CNN pooling: flatten, avg or max (default per extractor)")
    .option("--weights <file>", "a Keras .h5 weight file of your own for --extractor vgg16/vgg19/resnet50 (or style-*); no md5 check (config: features.weights)")
    .option("--k <k>", "number of clusters (1-1000)", int("k", 1, 1000))
    .option("--sweep <range>", 'K values to sweep, "A..B" or "2,4,8": reports elbow, silhouette, DB, CH, gap; uses the suggested K unless --k is given')
    .option("--normalize <mode>", "feature normalisation before k-means: none, l2, standardize or l2-standardize", "l2")
    .option("--min-size <n>", "dissolve clusters with fewer than N images into their nearest neighbours (0 = off)", int("min-size", 0, 1e9), 0)
    .option("--balanced", "size-balanced k-means: every cluster gets floor(n/k) or ceil(n/k) images", false)
    .option("--seed <n>", "seed for k-means, gap references, UMAP and routing masks", int("seed", 0, 2 ** 31), 0)
    .option("--n-init <n>", "k-means restarts, lowest inertia kept (1-100)", int("n-init", 1, 100), 10)
    .option("--gap-refs <n>", "reference sets for the gap statistic in a sweep (0 = skip the gap)", int("gap-refs", 0, 1000), 10)
    .option("--limit <n>", "only the first N images of the listing (0 = all)", int("limit", 0, 1e9), 0)
    .option("--batch <n>", "images per feature extraction batch (1-256)", int("batch", 1, 256), 16)
    .option("--refresh", "recompute features even when cached", false)
    .option("--umap-out <file>", "write a UMAP scatter coloured by cluster (and label): .html, or .png/.svg (needs Chromium)")
    .option("--thumbnails", "draw each painting's thumbnail at its UMAP point", false)
    .option("--umap-neighbors <n>", "UMAP neighbours (2-200)", int("umap-neighbors", 2, 200), 15)
    .option("--routing", "measure routing accuracy of damaged images (hole filled neutrally) against the undamaged image's cluster", false)
    .option("--holes <list>", "hole fractions for --routing", fractions, [0.1, 0.2, 0.3, 0.4, 0.5])
    .option("--routing-limit <n>", "route a random subset of N images (0 = all)", int("routing-limit", 0, 1e9), 0)
    .option("--mask-kinds <list>", "hole shapes for --routing: square, blocks (comma-separated)", "square")
    .option("--out <dir>", "output folder for clusters.json, sweep.csv, umap.json, routing.json, summary.json", "results/cluster")
    .option("--json", "print the summary as JSON on stdout", false)
    .action(async (o: Record<string, unknown>) => {
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
