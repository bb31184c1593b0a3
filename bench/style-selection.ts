/**
 * Choosing a style extractor for the seven style folders of ../shared/paintings (K = 7) on one
 * half of each folder, and reporting it on the other half (issue 15).
 *
 * 1. Raw per-layer statistics come from the feature cache (bench/style-extract.ts computes them).
 * 2. Each folder is split in two by a seeded shuffle: "select" and "report".
 * 3. Every candidate (layers x statistic x signed square root x PCA dims x row normalisation) is
 *    scored on the select half only: PCA fitted on the select half, k-means K = 7 from 5 seeds,
 *    ARI mean. The best mean ARI wins.
 * 4. The winner (and the baseline extractor) is reported on the report half: PCA fitted on the
 *    select half (the training split) and applied to the report half, k-means from 10 seeds,
 *    ARI / NMI mean ± sd [min, max].
 * Run: nice -n 19 node dist/bench/style-selection.js [preprocessing=unit] > results/style-selection.txt
 */
import { writeFileSync } from "node:fs";
import { extractFeaturesDetailed } from "../lib/features/cache.js";
import { fitPca, pcaTransform } from "../lib/features/pca.js";
import { createExtractor } from "../lib/features/registry.js";
import { formatInterval, scoreOverSeeds, type SeedScores } from "../lib/features/score-interval.js";
import { joinRows } from "../lib/features/style/stats.js";
import { createStyleExtractor } from "../lib/features/style/style-extractor.js";
import { initBackend } from "../lib/runtime/backend.js";
import { createRng } from "../lib/util/random.js";
import { GRAM_LAYERS, MEANSTD_LAYERS, styleItems } from "./style-extract.js";

interface Candidate {
  stat: "meanstd" | "gram";
  layers: number[];
  sqrt: boolean;
  pca: number;
  normalize: "none" | "l2";
}

function signedSqrt(v: Float32Array): Float32Array {
  return v.map((x) => Math.sign(x) * Math.sqrt(Math.abs(x)));
}

function slices(row: Float32Array, dims: number[]): Float32Array[] {
  const out: Float32Array[] = [];
  let off = 0;
  for (const d of dims) {
    out.push(row.subarray(off, off + d));
    off += d;
  }
  return out;
}

/** The candidate's vectors for the select rows (fit) and the rows to score. */
function build(c: Candidate, raw: Float32Array[], dims: number[], fitIdx: number[], useIdx: number[]): Float32Array[] {
  const rows = (idx: number[]) =>
    idx.map((i) => {
      const blocks = slices(raw[i]!, dims);
      return joinRows(c.layers.map((l) => (c.sqrt ? signedSqrt(blocks[l]!) : blocks[l]!)), "l2");
    });
  const use = rows(useIdx);
  if (c.pca === 0) return use;
  const pca = fitPca(rows(fitIdx), c.pca);
  return use.map((r) => pcaTransform(pca, r));
}

function name(c: Candidate, layerNames: string[]): string {
  return `${c.stat}${c.sqrt ? "+sqrt" : ""} ${c.layers.map((l) => layerNames[l]!.replace("_expand_relu", "").replace("block_", "b")).join("+")} pca ${c.pca || "-"} ${c.normalize}`;
}

async function main(): Promise<void> {
  await initBackend({ announce: false });
  const preprocessing = (process.argv[2] ?? "unit") as "unit" | "tf";
  const items = await styleItems();
  const truth = items.map((i) => i.label!);
  // The split: per folder, a seeded shuffle of the ids; the first half selects, the rest reports.
  const select: number[] = [];
  const report: number[] = [];
  for (const label of [...new Set(truth)].sort()) {
    const idx = items.map((_, i) => i).filter((i) => truth[i] === label).sort((a, b) => (items[a]!.id < items[b]!.id ? -1 : 1));
    const rng = createRng(15);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    const h = Math.floor(idx.length / 2);
    select.push(...idx.slice(0, h));
    report.push(...idx.slice(h));
  }
  const raws: Record<string, { raw: Float32Array[]; dims: number[]; names: string[]; ms: number | null }> = {};
  for (const stat of ["meanstd", "gram"] as const) {
    const layers = stat === "gram" ? GRAM_LAYERS : MEANSTD_LAYERS;
    const ex = await createStyleExtractor("mobilenet_v2", { stat, layers, blockNorm: "none", preprocessing, id: "style-mobilenet_v2-nsfwjs" });
    const got = await extractFeaturesDetailed(ex, items, { batch: 16 });
    raws[stat] = { raw: got.features, dims: ex.blockDims, names: layers, ms: got.msPerImage };
    ex.dispose();
  }
  const cands: Candidate[] = [];
  const msSets = [[0], [1], [2], [3], [4], [5], [6], [1, 2], [2, 3], [3, 4], [1, 2, 3], [2, 3, 4], [3, 4, 5], [1, 2, 3, 4], [0, 1, 2, 3, 4], [0, 1, 2, 3, 4, 5, 6]];
  for (const layers of msSets) for (const pca of [0, 32]) for (const normalize of ["none", "l2"] as const) cands.push({ stat: "meanstd", layers, sqrt: false, pca, normalize });
  const gramSets = [[0], [1], [2], [3], [1, 2], [2, 3], [1, 2, 3], [0, 1, 2, 3]];
  for (const layers of gramSets) for (const sqrt of [false, true]) for (const pca of [32, 64]) cands.push({ stat: "gram", layers, sqrt, pca, normalize: "l2" });
  const selTruth = select.map((i) => truth[i]!);
  const scored: { c: Candidate; s: SeedScores }[] = [];
  const lines: string[] = [`${items.length} images (7 style folders), select half ${select.length}, report half ${report.length}; preprocessing ${preprocessing}`, ""];
  const log = (s: string) => {
    lines.push(s);
    process.stderr.write(s + "\n");
  };
  log(`| candidate (select half) | ARI | NMI |`);
  log(`| --- | --- | --- |`);
  const t0 = Date.now();
  for (const c of cands) {
    const r = raws[c.stat]!;
    const X = build(c, r.raw, r.dims, select, select);
    const s = scoreOverSeeds(X, selTruth, { k: 7, seeds: 5, nInit: 5, normalize: c.normalize });
    scored.push({ c, s });
    log(`| ${name(c, r.names)} | ${formatInterval(s.ari)} | ${formatInterval(s.nmi)} |`);
  }
  log(`(${cands.length} candidates in ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  scored.sort((a, b) => b.s.ari.mean - a.s.ari.mean);
  const best = scored[0]!;
  const r = raws[best.c.stat]!;
  const repTruth = report.map((i) => truth[i]!);
  const rep = scoreOverSeeds(build(best.c, r.raw, r.dims, select, report), repTruth, { k: 7, seeds: 10, nInit: 10, normalize: best.c.normalize });
  log("");
  log(`chosen on the select half: ${name(best.c, r.names)} (select ARI ${formatInterval(best.s.ari)})`);
  log(`report half: ARI ${formatInterval(rep.ari)}, NMI ${formatInterval(rep.nmi)} (10 seeds x 10 restarts; PCA fitted on the select half)`);
  log(`raw extraction: ${r.ms?.toFixed(0)} ms/image (${best.c.stat}, all candidate layers at once, loaded machine)`);
  // Baseline: the default extractor on the same report half.
  const base = await createExtractor("mobilenet_v2_block10-nsfwjs");
  const bf = await extractFeaturesDetailed(base, items, { batch: 16 });
  base.dispose();
  for (const normalize of ["none", "l2"] as const) {
    const b = scoreOverSeeds(report.map((i) => bf.features[i]!), repTruth, { k: 7, seeds: 10, nInit: 10, normalize });
    log(`baseline mobilenet_v2_block10-nsfwjs (${normalize}) report half: ARI ${formatInterval(b.ari)}, NMI ${formatInterval(b.nmi)}`);
  }
  writeFileSync(`results/style-selection-${preprocessing}.md`, lines.join("\n") + "\n");
}

await main();
