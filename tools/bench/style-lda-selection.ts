/**
 * A style space learned from labelled paintings: PCA then linear discriminant analysis
 * (lib/features/lda.ts) on the raw style statistics, chosen and measured without touching the
 * reported paintings.
 *
 * Data: the seven style folders of ../shared/paintings, split as tools/bench/style-selection.ts
 * splits them (select half / report half, per folder, seed 15).
 * 1. Selection, on the select half only: every candidate (network, layers, PCA size) is scored by
 *    repeated stratified 2-fold cross-validation inside the select half: PCA + LDA fitted on one
 *    fold (with its labels), k-means (K = 7) on the other fold's projections, ARI against its
 *    labels; 5 repeats x 2 folds x 3 k-means seeds.
 * 2. The best candidate is fitted on the whole select half and scored on the report half
 *    (k-means 10 seeds x 10 restarts), beside the unsupervised extractor chosen before
 *    (`style-inception_v3-nsfwjs`'s defaults) on the same half.
 * 3. The winner as the registry's extractor (`style-lda-inception_v3-nsfwjs` or the MobileNetV2
 *    one with these options), fitted on the select half's images and labels: the same numbers.
 * 4. Transfer to labels it never saw: the eight period folders of ../shared/paintings (K = 8),
 *    with the projection fitted on all 402 style paintings, beside the unsupervised extractor
 *    whose PCA is fitted on the same 402.
 * Raw statistics come from the feature cache (tools/bench/style-extract.ts fills it).
 * Run: nice -n 15 node dist/tools/bench/style-lda-selection.js   (writes results/style-lda-selection.md)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { listDataset, type DatasetItem } from "../../lib/data/dataset.js";
import { decodeImage } from "../../lib/data/decode.js";
import { extractFeaturesDetailed } from "../../lib/features/cache.js";
import { fitLda, ldaTransform } from "../../lib/features/lda.js";
import { fitPca, pcaTransform } from "../../lib/features/pca.js";
import { createExtractor } from "../../lib/features/registry.js";
import { formatInterval, scoreOverSeeds } from "../../lib/features/score-interval.js";
import { initBackend } from "../../lib/runtime/backend.js";
import { sharedPaintingsDir } from "../../lib/util/paths.js";
import { INCEPTION_LAYERS, joinLayers, MEANSTD_LAYERS, rawStyleStats, selectReportSplit, styleItems, STYLE_FOLDERS } from "./style-extract.js";

type Net = "mobilenet_v2" | "inception_v3";
interface Candidate {
  net: Net;
  /** Indices into the net's layer list (INCEPTION_LAYERS / MEANSTD_LAYERS). */
  layers: number[];
  pca: number;
}

const LAYERS: Record<Net, string[]> = { inception_v3: INCEPTION_LAYERS, mobilenet_v2: MEANSTD_LAYERS };
const EXTRACTOR: Record<Net, string> = { inception_v3: "style-lda-inception_v3-nsfwjs", mobilenet_v2: "style-lda-mobilenet_v2-nsfwjs" };

function name(c: Candidate): string {
  return `${c.net === "inception_v3" ? "InceptionV3" : "MobileNetV2"} ${c.layers.map((l) => LAYERS[c.net][l]!.replace("_expand_relu", "").replace("block_", "b")).join("+")}, PCA ${c.pca}, LDA`;
}

/** Rows of the chosen layers as the style extractor builds them (sqrt, each block at unit length). */
function rows(raw: readonly Float32Array[], dims: readonly number[], layers: readonly number[]): Float32Array[] {
  return raw.map((r) => joinLayers(r, dims, layers, true));
}

/** PCA + LDA fitted on `fit` rows with labels, applied to `use` rows. */
function project(X: readonly Float32Array[], labels: readonly string[], fit: readonly number[], use: readonly number[], pcaN: number): Float32Array[] {
  const pca = fitPca(fit.map((i) => X[i]!), pcaN);
  const lda = fitLda(fit.map((i) => pcaTransform(pca, X[i]!)), fit.map((i) => labels[i]!));
  return use.map((i) => ldaTransform(lda, pcaTransform(pca, X[i]!)));
}

/** Stratified 2-fold splits of `idx` by label, `repeats` times (seeded; halves as selectReportSplit makes them). */
function twoFolds(idx: readonly number[], ids: readonly string[], labels: readonly string[], repeats: number): [number[], number[]][] {
  const out: [number[], number[]][] = [];
  for (let r = 0; r < repeats; r++) {
    const h = selectReportSplit(idx.map((i) => ids[i]!), idx.map((i) => labels[i]!), 100 + r);
    const a = h.select.map((j) => idx[j]!);
    const b = h.report.map((j) => idx[j]!);
    out.push([a, b], [b, a]);
  }
  return out;
}

async function main(): Promise<void> {
  await initBackend({ announce: false });
  const items = await styleItems();
  const truth = items.map((i) => i.label!);
  const { select, report } = selectReportSplit(items.map((i) => i.id), truth);
  const raws = { inception_v3: await rawStyleStats("inception_v3", "meanstd", "unit", items), mobilenet_v2: await rawStyleStats("mobilenet_v2", "meanstd", "unit", items) };
  const lines: string[] = [`${items.length} paintings (7 style folders): select half ${select.length}, report half ${report.length}`, ""];
  const log = (s: string) => {
    lines.push(s);
    process.stderr.write(s + "\n");
  };

  // 1. Selection by cross-validation inside the select half.
  const sets: Record<Net, number[][]> = {
    inception_v3: [[2], [3], [4], [5], [6], [2, 3], [3, 4], [4, 5, 6], [2, 3, 4, 5], [1, 2, 3], [3, 5, 7], [5, 7, 9], [2, 4, 6, 8, 10]],
    mobilenet_v2: [[3], [4], [5], [2, 3], [3, 4], [2, 3, 4], [3, 4, 5], [1, 2, 3, 4]],
  };
  const folds = twoFolds(select, items.map((i) => i.id), truth, 5);
  const scored: { c: Candidate; ari: number }[] = [];
  log("| candidate (select half: 5 x stratified 2-fold, k-means 3 seeds x 5 restarts on the held-out fold) | inner ARI |");
  log("| --- | ---: |");
  const t0 = Date.now();
  for (const net of ["inception_v3", "mobilenet_v2"] as const) {
    for (const layers of sets[net]) {
      const X = rows(raws[net].raw, raws[net].dims, layers);
      for (const pca of [16, 24, 32, 48]) {
        const aris: number[] = [];
        for (const [fit, held] of folds) {
          const Z = project(X, truth, fit, held, pca);
          const s = scoreOverSeeds(Z, held.map((i) => truth[i]!), { k: 7, seeds: 3, nInit: 5, normalize: "l2" });
          aris.push(s.ari.mean);
        }
        const c = { net, layers, pca };
        const ari = aris.reduce((s, x) => s + x, 0) / aris.length;
        scored.push({ c, ari });
        log(`| ${name(c)} | ${ari.toFixed(3)} |`);
      }
    }
  }
  log(`(${scored.length} candidates in ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  scored.sort((a, b) => b.ari - a.ari);
  log("");
  log("top 5 on the select half:");
  for (const { c, ari } of scored.slice(0, 5)) log(`  ${name(c)}: inner ARI ${ari.toFixed(3)}`);

  // 2. The best, fitted on the whole select half, on the report half.
  const best = scored[0]!.c;
  const repTruth = report.map((i) => truth[i]!);
  const onReport = (c: Candidate) => scoreOverSeeds(project(rows(raws[c.net].raw, raws[c.net].dims, c.layers), truth, select, report, c.pca), repTruth, { k: 7, seeds: 10, nInit: 10, normalize: "l2" });
  log("");
  log("## report half (10 seeds x 10 restarts; PCA and LDA fitted on the select half)");
  log("");
  const rep = onReport(best);
  log(`chosen on the select half: ${name(best)}`);
  log(`  report half: ARI ${formatInterval(rep.ari)}, NMI ${formatInterval(rep.nmi)}`);
  for (const { c } of scored.slice(1, 3)) {
    const r = onReport(c);
    log(`runner-up ${name(c)}: report ARI ${formatInterval(r.ari)}, NMI ${formatInterval(r.nmi)}`);
  }

  // The unsupervised extractor chosen before, on the same report half (its PCA fitted on the select half).
  const fitOn = async (id: string, options: Record<string, unknown>, fitItems: DatasetItem[], all: DatasetItem[]) => {
    const ex = await createExtractor(id, options);
    if (ex.fit) {
      const images = [];
      for (const it of fitItems) images.push(await decodeImage(it.file, ex.inputSize));
      await ex.fit(images, fitItems.map((it) => it.label));
    }
    const got = await extractFeaturesDetailed(ex, all, { batch: 8 });
    const dim = ex.dim();
    ex.dispose();
    return { features: got.features, ms: got.msPerImage, dim };
  };
  const selItems = select.map((i) => items[i]!);
  const unsup = await fitOn("style-inception_v3-nsfwjs", {}, selItems, items);
  const u = scoreOverSeeds(report.map((i) => unsup.features[i]!), repTruth, { k: 7, seeds: 10, nInit: 10, normalize: "l2" });
  log(`unsupervised style-inception_v3-nsfwjs (defaults; PCA fitted on the select half): report ARI ${formatInterval(u.ari)}, NMI ${formatInterval(u.nmi)}`);

  // 3. The winner as a real extractor.
  const options = { layers: best.layers.map((l) => LAYERS[best.net][l]!), pca: best.pca };
  log(`as extractor: ${EXTRACTOR[best.net]} ${JSON.stringify(options)}`);
  const real = await fitOn(EXTRACTOR[best.net], options, selItems, items);
  const rr = scoreOverSeeds(report.map((i) => real.features[i]!), repTruth, { k: 7, seeds: 10, nInit: 10, normalize: "l2" });
  log(`  the extractor itself, report half: ARI ${formatInterval(rr.ari)}, NMI ${formatInterval(rr.nmi)}, dim ${real.dim}, ${real.ms?.toFixed(0) ?? "?"} ms/image (cached raw statistics: the extraction time is the raw pass's, ${raws[best.net].ms?.toFixed(0) ?? "?"} ms/image when computed)`);

  // 4. Transfer to unseen labels: the eight period folders, K = 8.
  const dir = sharedPaintingsDir()!;
  const { items: allItems } = await listDataset(dir);
  const periods = allItems.filter((i) => i.label !== null && !STYLE_FOLDERS.includes(i.label));
  const periodTruth = periods.map((i) => i.label!);
  const kP = new Set(periodTruth).size;
  log("");
  log(`## transfer: ${periods.length} paintings of ${kP} period folders (labels the projection never saw), K = ${kP}; fitted on all ${items.length} style paintings`);
  log("");
  const both = [...items, ...periods];
  const pIdx = periods.map((_, j) => items.length + j);
  const lda = await fitOn(EXTRACTOR[best.net], options, items, both);
  const pl = scoreOverSeeds(pIdx.map((i) => lda.features[i]!), periodTruth, { k: kP, seeds: 10, nInit: 10, normalize: "l2" });
  log(`${EXTRACTOR[best.net]} (the chosen options): ARI ${formatInterval(pl.ari)}, NMI ${formatInterval(pl.nmi)}`);
  const un = await fitOn("style-inception_v3-nsfwjs", {}, items, both);
  const pu = scoreOverSeeds(pIdx.map((i) => un.features[i]!), periodTruth, { k: kP, seeds: 10, nInit: 10, normalize: "l2" });
  log(`style-inception_v3-nsfwjs (unsupervised, defaults): ARI ${formatInterval(pu.ari)}, NMI ${formatInterval(pu.nmi)}`);
  const base = await createExtractor("mobilenet_v2_block10-nsfwjs");
  const bf = await extractFeaturesDetailed(base, periods, { batch: 16 });
  base.dispose();
  const pb = scoreOverSeeds(bf.features, periodTruth, { k: kP, seeds: 10, nInit: 10, normalize: "l2" });
  log(`mobilenet_v2_block10-nsfwjs (the default): ARI ${formatInterval(pb.ari)}, NMI ${formatInterval(pb.nmi)}`);
  mkdirSync("results", { recursive: true });
  writeFileSync("results/style-lda-selection.md", lines.join("\n") + "\n");
}

await main();
