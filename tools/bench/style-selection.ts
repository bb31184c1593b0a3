/**
 * Choosing a style extractor for the seven style folders of ../shared/paintings (K = 7) on one
 * half of each folder, and reporting it on the other half (issue 15).
 *
 * 1. Raw per-layer statistics come from the feature cache (tools/bench/style-extract.ts computes them,
 *    for both input scalings of the nsfwjs MobileNetV2: "unit" [0, 1] and "tf" [-1, 1]); the
 *    colour/texture descriptor (lib/features/style/colour.ts) is computed here (cheap, cached).
 * 2. Each folder is split in two by a seeded shuffle: "select" and "report".
 * 3. Every CNN candidate (input scaling x layers x statistic x signed square root x PCA dims x
 *    row normalisation) is scored on the select half only: PCA fitted on the select half, k-means
 *    K = 7 from 5 seeds x 5 restarts, ARI mean. Then the best CNN candidates are tried with the
 *    colour block joined at a few weights, and the colour block alone. The best mean ARI wins.
 * 4. The winner (and the baseline extractor) is reported on the report half: PCA fitted on the
 *    select half (the training split) and applied to the report half, k-means from 10 seeds x 10
 *    restarts, ARI / NMI mean ± sd [min, max]. Nothing is chosen on the report half.
 * Run: HERITAGE_PAINTINGS=/path/to/paintings nice -n 15 node dist/tools/bench/style-selection.js [full]
 *      (writes results/style-selection.md)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { decodeImage } from "../../lib/data/decode.js";
import { extractFeaturesDetailed } from "../../lib/features/cache.js";
import { fitPca, pcaTransform } from "../../lib/features/pca.js";
import { createExtractor } from "../../lib/features/registry.js";
import { formatInterval, scoreOverSeeds, type SeedScores } from "../../lib/features/score-interval.js";
import { createColourExtractor } from "../../lib/features/style/colour.js";
import { joinRows } from "../../lib/features/style/stats.js";
import { initBackend } from "../../lib/runtime/backend.js";
import { GRAM_LAYERS, INCEPTION_LAYERS, joinLayers, MEANSTD_LAYERS, rawStyleStats, selectReportSplit, styleItems } from "./style-extract.js";

type Prep = "unit" | "tf";

type Net = "mobilenet_v2" | "inception_v3";

interface Candidate {
  net: Net;
  prep: Prep;
  stat: "meanstd" | "gram";
  /** Indices into the stat's layer list; empty = no CNN block (colour alone). */
  layers: number[];
  sqrt: boolean;
  pca: number;
  whiten: boolean;
  normalize: "none" | "l2";
  /** Weight of the colour/texture block joined after the CNN part (0 = none). */
  colour: number;
}

interface Raw {
  raw: Float32Array[];
  dims: number[];
  names: string[];
  ms: number | null;
}

function scale(v: Float32Array, w: number): Float32Array {
  let q = 0;
  for (let i = 0; i < v.length; i++) q += v[i]! * v[i]!;
  const s = w / Math.max(Math.sqrt(q), 1e-12);
  return v.map((x) => x * s);
}

/** The candidate's vectors for the rows to score; PCA (if any) fitted on the fit rows. */
function build(c: Candidate, raws: Record<string, Raw>, colours: { c224: Float32Array[]; c299: Float32Array[] }, fitIdx: number[], useIdx: number[]): Float32Array[] {
  let use: Float32Array[] = useIdx.map(() => new Float32Array(0));
  if (c.layers.length > 0) {
    const r = raws[rawKey(c)]!;
    const rows = (idx: number[]) => idx.map((i) => joinLayers(r.raw[i]!, r.dims, c.layers, c.sqrt));
    use = rows(useIdx);
    if (c.pca > 0) {
      const pca = fitPca(rows(fitIdx), c.pca, { whiten: c.whiten });
      use = use.map((row) => pcaTransform(pca, row));
    }
  }
  if (c.colour === 0) return use;
  const colour = c.net === "inception_v3" ? colours.c299 : colours.c224;
  return use.map((row, j) => joinRows([row.length > 0 ? scale(row, 1) : row, scale(colour[useIdx[j]!]!, c.colour)], "none"));
}

function rawKey(c: Pick<Candidate, "net" | "stat" | "prep">): string {
  return `${c.net === "inception_v3" ? "inception-" : ""}${c.stat}-${c.prep}`;
}

function layerList(c: Pick<Candidate, "net" | "stat">): string[] {
  return c.net === "inception_v3" ? INCEPTION_LAYERS : c.stat === "gram" ? GRAM_LAYERS : MEANSTD_LAYERS;
}

function name(c: Candidate): string {
  const layerNames = layerList(c);
  const cnn =
    c.layers.length === 0
      ? "(no CNN)"
      : `${c.net === "inception_v3" ? "inception " : ""}${c.prep} ${c.stat}${c.sqrt ? "+sqrt" : ""} ${c.layers.map((l) => layerNames[l]!.replace("_expand_relu", "").replace("block_", "b")).join("+")} pca ${c.pca || "-"}${c.whiten ? " whiten" : ""}`;
  return `${cnn}${c.colour > 0 ? ` + colour x${c.colour}` : ""} ${c.normalize}`;
}

/** The candidate as options of the "style-mobilenet_v2-nsfwjs" extractor. */
function styleOptions(c: Candidate): Record<string, unknown> {
  const layerNames = layerList(c);
  return {
    preprocessing: c.prep,
    stat: c.stat,
    layers: c.layers.map((l) => layerNames[l]!),
    blockNorm: "l2",
    ...(c.sqrt ? { sqrt: true } : {}),
    ...(c.pca > 0 ? { pca: c.pca, whiten: c.whiten } : {}),
    ...(c.colour > 0 ? { colour: c.colour } : {}),
  };
}

async function main(): Promise<void> {
  await initBackend({ announce: false });
  const items = await styleItems();
  const truth = items.map((i) => i.label!);
  // The split: per folder, a seeded shuffle of the ids; the first half selects, the rest reports.
  const { select, report } = selectReportSplit(items.map((i) => i.id), truth);
  const raws: Record<string, Raw> = {};
  for (const prep of ["unit", "tf"] as const) for (const stat of ["meanstd", "gram"] as const) raws[`${stat}-${prep}`] = await rawStyleStats("mobilenet_v2", stat, prep, items);
  raws["inception-meanstd-unit"] = await rawStyleStats("inception_v3", "meanstd", "unit", items);
  // At the CNN's input size: the style extractor's colour option describes the same 224 px image.
  const colourEx = createColourExtractor({ inputSize: 224 });
  const colourGot = await extractFeaturesDetailed(colourEx, items, { batch: 32 });
  const colour224 = colourGot.features;
  const colour299 = (await extractFeaturesDetailed(createColourExtractor({ inputSize: 299 }), items, { batch: 32 })).features;

  const colours = { c224: colour224, c299: colour299 };
  const cands: Candidate[] = [];
  const msSets = [[0], [1], [2], [3], [4], [5], [6], [1, 2], [2, 3], [3, 4], [1, 2, 3], [2, 3, 4], [3, 4, 5], [1, 2, 3, 4], [0, 1, 2, 3, 4], [0, 1, 2, 3, 4, 5, 6]];
  const gramSets = [[0], [1], [2], [3], [1, 2], [2, 3], [1, 2, 3], [0, 1, 2, 3]];
  // `full` (argv[2]) also scores the "tf" input scaling and Gram statistics. Round 1 (the
  // select half only, results/style-selection-round1.log) found both worse than unit mean+std
  // (best select ARI: unit meanstd 0.262, unit Gram 0.249 at 3x the extraction cost, tf meanstd
  // 0.199, tf Gram 0.190), so the default grid leaves them out.
  const full = process.argv[2] === "full";
  for (const prep of full ? (["unit", "tf"] as const) : (["unit"] as const)) {
    for (const layers of msSets)
      for (const sqrt of [false, true]) for (const pca of [0, 32]) for (const normalize of ["none", "l2"] as const) cands.push({ net: "mobilenet_v2", prep, stat: "meanstd", layers, sqrt, pca, whiten: false, normalize, colour: 0 });
    if (full) for (const layers of gramSets) for (const sqrt of [false, true]) for (const pca of [32, 64]) cands.push({ net: "mobilenet_v2", prep, stat: "gram", layers, sqrt, pca, whiten: false, normalize: "l2", colour: 0 });
  }
  // InceptionV3 (nsfwjs, 299 px), mean+std of its mixed blocks (indices into INCEPTION_LAYERS: mixed0..mixed10).
  const incSets = [[0], [1], [2], [3], [4], [5], [6], [7], [8], [9], [10], [1, 2], [2, 3], [3, 5], [5, 7], [7, 9], [2, 5, 8], [0, 2, 5], [3, 5, 7], [5, 7, 9], [2, 4, 6, 8, 10]];
  for (const layers of incSets)
    for (const sqrt of [false, true]) for (const pca of [0, 32]) for (const normalize of ["none", "l2"] as const) cands.push({ net: "inception_v3", prep: "unit", stat: "meanstd", layers, sqrt, pca, whiten: false, normalize, colour: 0 });
  const selTruth = select.map((i) => truth[i]!);
  const scored: { c: Candidate; s: SeedScores }[] = [];
  const lines: string[] = [
    `${items.length} images (7 style folders), select half ${select.length}, report half ${report.length}`,
    `raw extraction (all candidate layers at once, loaded machine): ${Object.entries(raws)
      .map(([k, r]) => `${k} ${r.ms?.toFixed(0)} ms/image`)
      .join(", ")}, colour-stats ${colourGot.msPerImage?.toFixed(1)} ms/image`,
    "",
  ];
  const log = (s: string) => {
    lines.push(s);
    process.stderr.write(s + "\n");
  };
  const score = (c: Candidate): SeedScores => {
    const s = scoreOverSeeds(build(c, raws, colours, select, select), selTruth, { k: 7, seeds: 5, nInit: 5, normalize: c.normalize });
    scored.push({ c, s });
    log(`| ${name(c)} | ${formatInterval(s.ari)} | ${formatInterval(s.nmi)} |`);
    return s;
  };
  log(`| candidate (select half, 5 seeds x 5 restarts) | ARI | NMI |`);
  log(`| --- | --- | --- |`);
  const t0 = Date.now();
  for (const c of cands) score(c);
  const best8 = () => [...scored].filter((x) => x.c.layers.length > 0 && x.c.colour === 0).sort((a, b) => b.s.ari.mean - a.s.ari.mean).slice(0, 8);
  const seen = new Set(scored.map((x) => name(x.c)));
  const tryOnce = (c: Candidate) => {
    if (seen.has(name(c))) return;
    seen.add(name(c));
    score(c);
  };
  // Stage 2: the 8 best CNN candidates with other PCA sizes, whitened or not.
  log("| (stage 2: PCA sizes and whitening of the 8 best) | | |");
  for (const { c } of best8()) for (const pca of [16, 32, 64]) for (const whiten of [false, true]) tryOnce({ ...c, pca, whiten });
  // Stage 3: the colour block alone, and joined to the 8 best CNN candidates.
  log("| (stage 3: the colour/texture block) | | |");
  for (const normalize of ["none", "l2"] as const) tryOnce({ net: "mobilenet_v2", prep: "unit", stat: "meanstd", layers: [], sqrt: false, pca: 0, whiten: false, normalize, colour: 1 });
  for (const { c } of best8()) for (const w of [0.35, 0.5, 0.7, 1]) tryOnce({ ...c, colour: w });
  log(`(${scored.length} candidates in ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  scored.sort((a, b) => b.s.ari.mean - a.s.ari.mean);
  log("");
  log("top 10 on the select half:");
  for (const { c, s } of scored.slice(0, 10)) log(`  ${name(c)}: ARI ${formatInterval(s.ari)}, NMI ${formatInterval(s.nmi)}`);
  const best = scored[0]!;
  const bestCnn = scored.find((x) => x.c.colour === 0)!;
  const repTruth = report.map((i) => truth[i]!);
  const onReport = (c: Candidate) => scoreOverSeeds(build(c, raws, colours, select, report), repTruth, { k: 7, seeds: 10, nInit: 10, normalize: c.normalize });
  log("");
  log("## report half (10 seeds x 10 restarts; PCA fitted on the select half)");
  log("");
  const rep = onReport(best.c);
  log(`chosen on the select half: ${name(best.c)} (select ARI ${formatInterval(best.s.ari)})`);
  log(`  report half: ARI ${formatInterval(rep.ari)}, NMI ${formatInterval(rep.nmi)}`);
  if (bestCnn !== best) {
    const r2 = onReport(bestCnn.c);
    log(`best without the colour block (select): ${name(bestCnn.c)} (select ARI ${formatInterval(bestCnn.s.ari)})`);
    log(`  report half: ARI ${formatInterval(r2.ari)}, NMI ${formatInterval(r2.nmi)}`);
  }
  for (const net of ["mobilenet_v2", "inception_v3"] as const) {
    const b = scored.find((x) => x.c.net === net && x.c.layers.length > 0);
    if (!b || b === best || b === bestCnn) continue;
    const r = onReport(b.c);
    log(`best on ${net} (select): ${name(b.c)} (select ARI ${formatInterval(b.s.ari)})`);
    log(`  report half: ARI ${formatInterval(r.ari)}, NMI ${formatInterval(r.nmi)}`);
  }
  const colourAlone = scored.filter((x) => x.c.layers.length === 0).sort((a, b) => b.s.ari.mean - a.s.ari.mean)[0]!;
  const r3 = onReport(colourAlone.c);
  log(`colour-stats alone: ${name(colourAlone.c)} (select ARI ${formatInterval(colourAlone.s.ari)})`);
  log(`  report half: ARI ${formatInterval(r3.ari)}, NMI ${formatInterval(r3.nmi)}`);
  // The winner as a real extractor (the registry's style extractor with these options): fitted
  // on the select half's images, features of all 402 through the cache, scored on the report half.
  // Checks that the options reproduce the bench's vectors, and measures its ms/image.
  if (best.c.layers.length > 0) {
    const options = styleOptions(best.c);
    log(`as extractor options: ${JSON.stringify(options)}`);
    const ex = await createExtractor(best.c.net === "inception_v3" ? "style-inception_v3-nsfwjs" : "style-mobilenet_v2-nsfwjs", options);
    if (ex.fit) {
      const images = [];
      for (const i of select) images.push(await decodeImage(items[i]!.file, ex.inputSize));
      await ex.fit(images);
    }
    const got = await extractFeaturesDetailed(ex, items, { batch: 16 });
    ex.dispose();
    const real = scoreOverSeeds(report.map((i) => got.features[i]!), repTruth, { k: 7, seeds: 10, nInit: 10, normalize: best.c.normalize });
    log(`  the extractor itself, report half: ARI ${formatInterval(real.ari)}, NMI ${formatInterval(real.nmi)}, dim ${got.features[0]!.length}, ${got.msPerImage?.toFixed(0)} ms/image (loaded machine)`);
  }
  // Baseline: the default extractor on the same report half.
  const base = await createExtractor("mobilenet_v2_block10-nsfwjs");
  const bf = await extractFeaturesDetailed(base, items, { batch: 16 });
  base.dispose();
  for (const normalize of ["none", "l2"] as const) {
    const b = scoreOverSeeds(report.map((i) => bf.features[i]!), repTruth, { k: 7, seeds: 10, nInit: 10, normalize });
    log(`baseline mobilenet_v2_block10-nsfwjs (${normalize}) report half: ARI ${formatInterval(b.ari)}, NMI ${formatInterval(b.nmi)} (${bf.msPerImage?.toFixed(0)} ms/image)`);
  }
  mkdirSync("results", { recursive: true });
  writeFileSync("results/style-selection.md", lines.join("\n") + "\n");
}

await main();
