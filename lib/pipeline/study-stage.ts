/**
 * Study stage: damage every held-out painting with every configured mask, route each damaged
 * painting to a cluster from its visible pixels, complete it with every method, and measure.
 *
 * Methods: "general" (the general DCGAN), "clustered" (the GAN of the routed cluster, started as
 * gan.clusterInit says; with a K sweep one method per K, "clustered-k<K>"), "clustered-scratch" /
 * "clustered-transfer" (the routed cluster's GAN with the other start, main K only), "oracle-cluster" (the GAN of the cluster the undamaged
 * painting belongs to: routing's upper bound) and "telea" (classic inpainting).
 */
import path from "node:path";
import type { ExperimentConfig } from "../config/experiment.js";
import type { ClusterModel } from "../cluster/model.js";
import { routeFeatures } from "../cluster/model.js";
import type { DatasetItem } from "../data/dataset.js";
import { loadImages } from "../data/load.js";
import { createModelExtractor } from "../cluster/model-extractor.js";
import { resizeMaskConservative } from "../inpaint/full-resolution.js";
import { classicInpaint } from "../inpaint/telea.js";
import { buildCases, type StudyCase } from "../study/cases.js";
import { ganPairCache, routeVisible } from "../inpaint/complete.js";
import { ganMethod, type CompletionMethod } from "../study/methods.js";
import { runStudy, type StudyRow, type StudySummary } from "../study/run-study.js";
import { readJson } from "../util/fs.js";
import { info } from "../util/log.js";
import { asLayout, clusterJobName, GENERAL_JOB, initMethodName, kKey, studyDirOf, type RunDirOrLayout } from "./layout.js";

/** When each model was trained (its card's finishedAt), by job name: the study's rows depend on it. */
async function modelsTrainedAt(modelDirs: ReadonlyMap<string, string>): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const [name, dir] of modelDirs) {
    const card = await readJson<{ finishedAt?: string }>(path.join(dir, "card.json")).catch(() => ({}) as { finishedAt?: string });
    out[name] = card.finishedAt ?? null;
  }
  return out;
}

export interface StudyStageOptions {
  /** The run folder (or its layout). */
  runDir: RunDirOrLayout;
  test: readonly DatasetItem[];
  /** The validation set (needed when cfg.study.split is "validation"). */
  validation?: readonly DatasetItem[];
  /** Clusterings by K (K > 1). */
  clusterings: ReadonlyMap<number, ClusterModel>;
  /** The K whose clustered method is called plain "clustered". */
  mainK: number;
  /** Model folders by job name ("general", "k4/cluster-2"). */
  modelDirs: ReadonlyMap<string, string>;
}

export function clusteredMethodName(k: number, mainK: number): string {
  return k === mainK ? "clustered" : `clustered-k${k}`;
}

/** Route each case to a cluster of `model` from its visible pixels (and the undamaged painting, for the oracle). */
async function routeCases(cases: StudyCase[], model: ClusterModel, modelFile: string, batch: number): Promise<{ routed: Map<string, number>; oracle: Map<string, number> }> {
  const ex = await createModelExtractor(model, modelFile);
  try {
    const S = ex.inputSize;
    const items = [...new Map(cases.map((c) => [c.item.id, c.item])).values()];
    const got = await loadImages(items, { size: S, label: `routing images (${S}px)` });
    const big = new Map(got.items.map((it, i) => [it.id, got.images[i]!]));
    const routed = new Map<string, number>();
    const oracle = new Map<string, number>();
    for (let i = 0; i < items.length; i += batch) {
      const chunk = items.slice(i, i + batch).filter((it) => big.has(it.id));
      const feats = await ex.extract(chunk.map((it) => big.get(it.id)!));
      chunk.forEach((it, j) => oracle.set(it.id, routeFeatures(model, feats[j]!)));
    }
    // The masks are at the GAN's side and are scaled to the extractor's side as `heritage complete`
    // scales them: a pixel is missing when any mask pixel under it is, so no part of the true hole
    // (which the undamaged image at the extractor's side still shows) reaches the router.
    for (let i = 0; i < cases.length; i += batch) {
      const chunk = cases.slice(i, i + batch).filter((c) => big.has(c.item.id));
      const clusters = await routeVisible(
        model,
        ex,
        chunk.map((c) => big.get(c.item.id)!),
        chunk.map((c) => resizeMaskConservative(c.mask, S, S)),
      );
      chunk.forEach((c, j) => routed.set(c.key, clusters[j]!));
    }
    return { routed, oracle };
  } finally {
    ex.dispose();
  }
}

export async function studyStage(cfg: ExperimentConfig, o: StudyStageOptions): Promise<{ rows: StudyRow[]; summary: StudySummary; routingAccuracy: Record<string, number> }> {
  const layout = asLayout(o.runDir);
  const S = cfg.gan.arch.imageSize;
  const split = cfg.study.split;
  let test = (split === "validation" ? (o.validation ?? []) : o.test).slice();
  if (test.length === 0) throw new Error(`study: the ${split} set is empty${split === "validation" ? " (set data.validationFraction > 0 in a new run: the split is made once)" : ""}`);
  if (cfg.study.maxImages > 0) test = test.slice(0, cfg.study.maxImages);
  const loaded = await loadImages(test, { size: S, label: `load ${S}px ${split} images` });
  const cases = await buildCases(loaded.items, loaded.images, cfg.study.masks, cfg.seed);
  info(`study (${split} set): ${loaded.items.length} held-out paintings x ${cfg.study.masks.length} masks = ${cases.length} cases`);
  const cache = ganPairCache(o.modelDirs);
  const gan = (name: string, pick: (c: StudyCase) => string): CompletionMethod =>
    ganMethod(name, pick, cache.get, {
      completion: { ...cfg.completion, prior: cfg.gan.latentPrior },
      poisson: cfg.completion.poisson,
      seed: cfg.seed,
    });
  const methods: CompletionMethod[] = [];
  const routingAccuracy: Record<string, number> = {};
  const wants = new Set(cfg.study.methods);
  if (wants.has("general")) methods.push(gan("general", () => GENERAL_JOB));
  for (const [k, model] of o.clusterings) {
    const { routed, oracle } = await routeCases(cases, model, layout.clusters(k), cfg.features.batch);
    const agree = cases.filter((c) => routed.get(c.key) === oracle.get(c.item.id)).length;
    routingAccuracy[kKey(k)] = cases.length ? agree / cases.length : NaN;
    info(`study: routing from visible pixels agrees with the undamaged painting's cluster in ${agree}/${cases.length} cases (K=${k})`);
    if (wants.has("clustered")) methods.push(gan(clusteredMethodName(k, o.mainK), (c) => clusterJobName(k, routed.get(c.key)!)));
    for (const init of ["scratch", "general"] as const) {
      const variant = initMethodName(init);
      if (!wants.has(variant) || k !== o.mainK) continue;
      methods.push(gan(variant, (c) => clusterJobName(k, routed.get(c.key)!, init)));
    }
    if (wants.has("oracle-cluster") && k === o.mainK) methods.push(gan("oracle-cluster", (c) => clusterJobName(k, oracle.get(c.item.id)!)));
  }
  if (wants.has("telea")) {
    methods.push({
      name: "telea",
      groupOf: () => "telea",
      async complete(_g, cs) {
        return cs.map((c) => {
          const t0 = Date.now();
          const image = classicInpaint(c.image, c.mask, "telea", { valueRange: [-1, 1] });
          return { image, model: "telea", seconds: (Date.now() - t0) / 1000 };
        });
      },
    });
  }
  const comparisons: [string, string][] = [];
  for (const m of methods) if (m.name !== "general") comparisons.push([m.name, "general"]);
  if (wants.has("telea")) for (const m of methods) if (m.name.startsWith("clustered")) comparisons.push([m.name, "telea"]);
  try {
    const made = {
      split,
      seed: cfg.seed,
      cases: cases.map((c) => c.key),
      completion: cfg.completion,
      latentPrior: cfg.gan.latentPrior,
      models: await modelsTrainedAt(o.modelDirs),
    };
    const res = await runStudy(cases, methods, { outDir: studyDirOf(layout, split), comparisons, made });
    return { ...res, routingAccuracy };
  } finally {
    cache.release();
  }
}
