/**
 * Raw style statistics of the seven style folders of ../shared/paintings into the feature cache
 * (step 1 of tools/bench/style-selection.ts): MobileNetV2 (nsfwjs) per-layer mean+std and Gram, blocks
 * not normalised, so any subset of layers can be joined afterwards exactly as the extractor does.
 * Run: nice -n 15 node dist/tools/bench/style-extract.js [unit|tf] [meanstd,gram] [inception]
 */
import { listDataset } from "../../lib/data/dataset.js";
import { extractFeaturesDetailed } from "../../lib/features/cache.js";
import { createStyleExtractor } from "../../lib/features/style/style-extractor.js";
import { initBackend } from "../../lib/runtime/backend.js";
import { sharedPaintingsDir } from "../../lib/util/paths.js";
import { createRng } from "../../lib/util/random.js";

export const STYLE_FOLDERS = ["Impressionism", "Monet", "NorthernRenaissance", "Rococo", "Suprematism", "Ukiyo-e", "VanGogh"];
export const MEANSTD_LAYERS = ["Conv1_relu", "block_1_expand_relu", "block_3_expand_relu", "block_6_expand_relu", "block_10_expand_relu", "block_13_expand_relu", "out_relu"];
export const INCEPTION_LAYERS = ["mixed0", "mixed1", "mixed2", "mixed3", "mixed4", "mixed5", "mixed6", "mixed7", "mixed8", "mixed9", "mixed10"];
export const GRAM_LAYERS = ["block_1_expand_relu", "block_3_expand_relu", "block_6_expand_relu", "block_10_expand_relu"];

export async function styleItems() {
  const dir = sharedPaintingsDir();
  if (!dir) throw new Error("../shared/paintings is not there");
  const { items } = await listDataset(dir);
  return items.filter((i) => i.label !== null && STYLE_FOLDERS.includes(i.label));
}

/**
 * The benches' split of `labels`: per label, a seeded shuffle of the indices (ordered by id first);
 * the first half selects, the rest reports. Returns indices into `ids`.
 */
export function selectReportSplit(ids: readonly string[], labels: readonly string[], seed = 15): { select: number[]; report: number[] } {
  const select: number[] = [];
  const report: number[] = [];
  for (const label of [...new Set(labels)].sort()) {
    const idx = ids.map((_, i) => i).filter((i) => labels[i] === label).sort((a, b) => (ids[a]! < ids[b]! ? -1 : 1));
    const rng = createRng(seed);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    const h = Math.floor(idx.length / 2);
    select.push(...idx.slice(0, h));
    report.push(...idx.slice(h));
  }
  return { select, report };
}

async function main(): Promise<void> {
  await initBackend();
  const preprocessing = (process.argv[2] ?? "unit") as "unit" | "tf";
  const stats = (process.argv[3] ?? "meanstd,gram").split(",") as ("meanstd" | "gram")[];
  const items = await styleItems();
  if (process.argv[4] === "inception") {
    // InceptionV3 (nsfwjs, 299 px): per-layer mean+std of every mixed block.
    const c0 = process.cpuUsage();
    const ex = await createStyleExtractor("inception_v3", { stat: "meanstd", layers: INCEPTION_LAYERS, blockNorm: "none", preprocessing, id: "style-inception_v3-nsfwjs" });
    const got = await extractFeaturesDetailed(ex, items, { batch: 8 });
    const c = process.cpuUsage(c0);
    console.log(`inception meanstd ${preprocessing}: ${items.length} images, dim ${ex.dim()}, ${got.computed} computed, ${got.msPerImage?.toFixed(1)} ms/image, CPU ${((c.user + c.system) / 1e6).toFixed(1)} s`);
    ex.dispose();
    return;
  }
  for (const stat of stats) {
    const c0 = process.cpuUsage();
    const ex = await createStyleExtractor("mobilenet_v2", { stat, layers: stat === "gram" ? GRAM_LAYERS : MEANSTD_LAYERS, blockNorm: "none", preprocessing, id: "style-mobilenet_v2-nsfwjs" });
    const got = await extractFeaturesDetailed(ex, items, { batch: 16 });
    const c = process.cpuUsage(c0);
    console.log(`${stat} ${preprocessing}: ${items.length} images, dim ${ex.dim()}, ${got.computed} computed, ${got.msPerImage?.toFixed(1)} ms/image, CPU ${((c.user + c.system) / 1e6).toFixed(1)} s`);
    ex.dispose();
  }
}

if (process.argv[1]?.endsWith("style-extract.js")) await main();
