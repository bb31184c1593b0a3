/**
 * Raw style statistics of the seven style folders of ../shared/paintings into the feature cache
 * (step 1 of tools/bench/style-selection.ts): MobileNetV2 (nsfwjs) per-layer mean+std and Gram, blocks
 * not normalised, so any subset of layers can be joined afterwards exactly as the extractor does.
 * Run: nice -n 15 node dist/tools/bench/style-extract.js [unit|tf] [meanstd,gram] [inception]
 */
import { listDataset, type DatasetItem } from "../../lib/data/dataset.js";
import { extractFeaturesDetailed } from "../../lib/features/cache.js";
import { joinRows } from "../../lib/features/style/stats.js";
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

export type RawNet = "mobilenet_v2" | "inception_v3";

/**
 * Raw per-layer statistics of `items` through the feature cache: every candidate layer of `net`
 * (INCEPTION_LAYERS; MEANSTD_LAYERS or GRAM_LAYERS), blocks not normalised, so any subset can be
 * joined afterwards (`joinLayers`) exactly as the style extractor does.
 */
export async function rawStyleStats(net: RawNet, stat: "meanstd" | "gram", preprocessing: "unit" | "tf", items: readonly DatasetItem[]) {
  const layers = net === "inception_v3" ? INCEPTION_LAYERS : stat === "gram" ? GRAM_LAYERS : MEANSTD_LAYERS;
  const ex = await createStyleExtractor(net, { stat, layers, blockNorm: "none", preprocessing, id: `style-${net}-nsfwjs` });
  try {
    const got = await extractFeaturesDetailed(ex, [...items], { batch: net === "inception_v3" ? 8 : 16 });
    return { raw: got.features, dims: ex.blockDims, names: layers, ms: got.msPerImage, computed: got.computed };
  } finally {
    ex.dispose();
  }
}

function signedSqrt(v: Float32Array): Float32Array {
  return v.map((x) => Math.sign(x) * Math.sqrt(Math.abs(x)));
}

/** The chosen `layers` (indices into the blocks of `dims`) of one raw row, as the style extractor joins them: optional signed square root, each block at unit length. */
export function joinLayers(row: Float32Array, dims: readonly number[], layers: readonly number[], sqrt: boolean): Float32Array {
  const offs = dims.map((_, i) => dims.slice(0, i).reduce((s, d) => s + d, 0));
  return joinRows(
    layers.map((l) => {
      const block = row.subarray(offs[l]!, offs[l]! + dims[l]!);
      return sqrt ? signedSqrt(block) : block;
    }),
    "l2",
  );
}

async function main(): Promise<void> {
  await initBackend();
  const preprocessing = (process.argv[2] ?? "unit") as "unit" | "tf";
  const stats = (process.argv[3] ?? "meanstd,gram").split(",") as ("meanstd" | "gram")[];
  const items = await styleItems();
  const runs: [RawNet, "meanstd" | "gram"][] = process.argv[4] === "inception" ? [["inception_v3", "meanstd"]] : stats.map((stat) => ["mobilenet_v2", stat]);
  for (const [net, stat] of runs) {
    const c0 = process.cpuUsage();
    const got = await rawStyleStats(net, stat, preprocessing, items);
    const c = process.cpuUsage(c0);
    const dim = got.dims.reduce((a, d) => a + d, 0);
    console.log(`${net === "inception_v3" ? "inception " : ""}${stat} ${preprocessing}: ${items.length} images, dim ${dim}, ${got.computed} computed, ${got.ms?.toFixed(1)} ms/image, CPU ${((c.user + c.system) / 1e6).toFixed(1)} s`);
  }
}

if (process.argv[1]?.endsWith("style-extract.js")) await main();
