/**
 * Recreate the feature extractor a saved clustering was made with, so that a damaged painting is
 * described exactly like the training paintings before routing (`routeFeatures`).
 */
import path from "node:path";
import type { FeatureExtractor } from "../features/extractor.js";
import { stableStringify } from "../features/cache.js";
import { createExtractor } from "../features/registry.js";
import { readJson } from "../util/fs.js";
import type { ClusterModel } from "./model.js";

/**
 * Build the model's extractor: `createExtractor(model.extractor, model.extractorCreateOptions)`,
 * plus files saved beside clusters.json (a fitted visual vocabulary). Throws, naming the file,
 * when the recreated extractor's options differ from the ones recorded in the model (another
 * package version, another vocabulary), since its features would not match the centres.
 */
export async function createModelExtractor(model: ClusterModel, modelFile: string): Promise<FeatureExtractor> {
  const opts: Record<string, unknown> = { ...(model.extractorCreateOptions ?? {}) };
  const dir = path.dirname(modelFile);
  if (model.extractorFiles?.vocabulary) opts.vocabulary = await readJson(path.join(dir, model.extractorFiles.vocabulary));
  const ex = await createExtractor(model.extractor, opts);
  const want = stableStringify(model.extractorOptions);
  const got = stableStringify(ex.options);
  if (want !== got) {
    ex.dispose();
    throw new Error(`${modelFile}: extractor ${model.extractor} now has options ${got}, but the clusters were made with ${want}; recluster or restore the same setup`);
  }
  return ex;
}
