/**
 * Cluster stage: k-means on the training paintings' features, one clustering per K (K > 1), each
 * in clusters/k<K>/ of the run. A clustering already on disk is reused only when it was made from
 * the same training images and the same settings (extractor and its options, K, seed, nInit,
 * minSize, balanced); otherwise the stage refuses and names what differs (see ./record.ts).
 */
import { existsSync } from "node:fs";
import { checkClusterCounts, clusterDatasetModel, type ClusterDatasetOptions } from "../cluster/run.js";
import { loadClusterModel, type ClusterModel } from "../cluster/model.js";
import type { ExperimentConfig } from "../config/experiment.js";
import type { DatasetItem } from "../data/dataset.js";
import { extractorCreateOptions } from "../features/registry.js";
import { info } from "../util/log.js";
import { asLayout, type RunDirOrLayout } from "./layout.js";
import { reuseOrRefuse, type StageRecord } from "./record.js";

/** The K values a run clusters for (the sweep, or the single K), sorted, each once. */
export function clusterKs(cfg: Pick<ExperimentConfig, "cluster">): number[] {
  return [...new Set(cfg.cluster.sweep.length ? cfg.cluster.sweep : [cfg.cluster.k])].sort((a, b) => a - b);
}

/** What the clustering for K is made from under `cfg`: the training ids and the settings. */
export function clusterRecord(cfg: ExperimentConfig, ids: readonly string[], k: number): StageRecord {
  return {
    ids: [...ids],
    extractor: cfg.features.extractor,
    extractorOptions: extractorCreateOptions(cfg.features),
    k,
    seed: cfg.seed,
    nInit: cfg.cluster.nInit,
    minSize: cfg.cluster.minSize,
    balanced: cfg.cluster.balanced,
  };
}

/** What a clusters.json on disk records it was made from (in the shape of {@link clusterRecord}). */
export function recordedClusterRecord(m: ClusterModel): StageRecord {
  const s = m.settings;
  return {
    ids: m.ids,
    extractor: m.extractor,
    extractorOptions: m.extractorCreateOptions,
    k: s.kRequested,
    seed: s.seed,
    nInit: s.nInit,
    minSize: s.minSize,
    balanced: s.balanced,
  };
}

/** Fields clusters.json files written before they were recorded may lack. */
const CLUSTER_LEGACY = ["extractorOptions", "seed", "nInit", "minSize", "balanced"];

/**
 * Refuse when a clustering for K is in the run already but was made from other training images or
 * settings (naming what differs); true when it is there and matches, false when there is none.
 */
export async function checkClusteringReuse(cfg: ExperimentConfig, run: RunDirOrLayout, train: readonly DatasetItem[], k: number): Promise<boolean> {
  const file = asLayout(run).clusters(k);
  if (!existsSync(file)) return false;
  const m = await loadClusterModel(file);
  reuseOrRefuse(`clustering (K = ${k})`, file, recordedClusterRecord(m), clusterRecord(cfg, train.map((t) => t.id), k), { legacy: CLUSTER_LEGACY });
  return true;
}

/** The `clusterDataset` options of the clustering for K under `cfg` (the stage's and notebook 03's). */
export function clusterDatasetOptions(cfg: ExperimentConfig, run: RunDirOrLayout, dir: string, train: readonly DatasetItem[], k: number): ClusterDatasetOptions {
  const layout = asLayout(run);
  return {
    data: dir,
    items: train,
    outDir: layout.clustersDir(k),
    extractor: cfg.features.extractor,
    extractorOptions: extractorCreateOptions(cfg.features),
    k,
    seed: cfg.seed,
    nInit: cfg.cluster.nInit,
    minSize: cfg.cluster.minSize,
    names: CLUSTER_NAMES,
    balanced: cfg.cluster.balanced,
    batch: cfg.features.batch,
    umapOut: layout.umap(k),
  };
}

/** The config fields errors about K and the minimum size name. */
const CLUSTER_NAMES = { k: "cluster.k", sweep: "cluster.sweep", minSize: "cluster.minSize" };

/** Cluster (or reuse) the training images for every K in `ks` (K <= 1 is skipped: the general GAN alone). */
export async function clusterStage(cfg: ExperimentConfig, run: RunDirOrLayout, dir: string, train: readonly DatasetItem[], ks: number[]): Promise<Map<number, ClusterModel>> {
  const layout = asLayout(run);
  const out = new Map<number, ClusterModel>();
  // every K and the minimum size checked against the training images before any is clustered
  checkClusterCounts(train.length, { ...(cfg.cluster.sweep.length ? { sweep: ks } : { k: cfg.cluster.k }), minSize: cfg.cluster.minSize, names: CLUSTER_NAMES });
  for (const k of ks) {
    if (k <= 1) continue;
    const file = layout.clusters(k);
    if (await checkClusteringReuse(cfg, layout, train, k)) {
      info(`cluster K=${k}: reusing ${file}`);
      out.set(k, await loadClusterModel(file));
      continue;
    }
    // The fitted model comes back with the summary: no read-back of the file just written.
    const { model } = await clusterDatasetModel(clusterDatasetOptions(cfg, layout, dir, train, k));
    out.set(k, model);
  }
  return out;
}
