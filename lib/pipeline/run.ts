/**
 * The whole study end to end, as `npm start` / `heritage run` / `heritage study` run it:
 * data -> features + k-means (per K) -> general and per-cluster DCGANs -> completion study -> report.
 * Every stage writes into results/<name>/ and resumes from what is there, so a killed run continues
 * where it stopped and a finished one is only re-reported.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { checkClusterCounts, clusterDatasetModel } from "../cluster/run.js";
import { loadClusterModel, type ClusterModel } from "../cluster/model.js";
import type { ExperimentConfig } from "../config/experiment.js";
import { initBackend } from "../runtime/backend.js";
import { readJson, writeJsonAtomic } from "../util/fs.js";
import { info } from "../util/log.js";
import { projectRoot } from "../util/paths.js";
import { dataStage } from "./data-stage.js";
import { runRecord, type RunRecord } from "./record.js";
import { clusteredMethodName, studyStage } from "./study-stage.js";
import { ganJobs, mainClusterK, trainStage } from "./train-stage.js";
import { runKidStage, type KidStageResult } from "./kid-stage.js";
import type { StudySummary } from "../study/run-study.js";
import { extractorCreateOptions } from "../features/registry.js";

export interface RunExperimentOptions {
  config: ExperimentConfig;
  /** Run folder (default results/<config.name>). */
  out?: string;
  /** Dataset folder overriding the config's data.dir (then nothing is synthesised). */
  data?: string;
  /** Write report.html (default true). */
  report?: boolean;
}

export interface SweepRow {
  k: number;
  method: string;
  gans: number;
  trainSeconds: number;
  psnrHole: number;
  ssimHole: number;
  l1Hole: number;
  routingAccuracy: number | null;
}

export interface RunSummary {
  runDir: string;
  record: RunRecord;
  data: {
    dir: string;
    images: number;
    train: number;
    test: number;
    labels: string[];
    /** Listed files left out before the split, by reason (relative paths; see lib/data/screen.ts). */
    leftOut?: { undecodable: string[]; tooSmall: string[]; flat: string[] };
  };
  clusterings: { k: number; sizes: number[]; metrics: Record<string, number | null>; file: string }[];
  training: { name: string; images: number; epochs: number; seconds: number; warnings: string[] }[];
  study: StudySummary;
  /** KID of every GAN against real paintings (null when study.kidSamples = 0); see ./kid-stage.ts. */
  kid: KidStageResult | null;
  routingAccuracy: Record<string, number>;
  sweep: SweepRow[];
  stageSeconds: Record<string, number>;
  files: Record<string, string>;
}

export async function clusterStage(cfg: ExperimentConfig, runDir: string, dir: string, train: Parameters<typeof ganJobs>[1], ks: number[]): Promise<Map<number, ClusterModel>> {
  const out = new Map<number, ClusterModel>();
  // every K and the minimum size checked against the training images before any is clustered
  const names = { k: "cluster.k", sweep: "cluster.sweep", minSize: "cluster.minSize" };
  checkClusterCounts(train.length, { ...(cfg.cluster.sweep.length ? { sweep: ks } : { k: cfg.cluster.k }), minSize: cfg.cluster.minSize, names });
  for (const k of ks) {
    if (k <= 1) continue;
    const outDir = path.join(runDir, "clusters", `k${k}`);
    const file = path.join(outDir, "clusters.json");
    if (existsSync(file)) {
      const m = await loadClusterModel(file);
      const sameIds = m.ids.length === train.length && train.every((t, i) => m.ids[i] === t.id);
      if (sameIds && m.extractor === cfg.features.extractor && m.settings.kRequested === k) {
        info(`cluster K=${k}: reusing ${file}`);
        out.set(k, m);
        continue;
      }
      throw new Error(`${file} was made with other settings or images; use another run name or delete it`);
    }
    const { model } = await clusterDatasetModel({
      data: dir,
      items: train,
      outDir,
      extractor: cfg.features.extractor,
      extractorOptions: extractorCreateOptions(cfg.features),
      k,
      seed: cfg.seed,
      nInit: cfg.cluster.nInit,
      minSize: cfg.cluster.minSize,
      names,
      balanced: cfg.cluster.balanced,
      batch: cfg.features.batch,
      umapOut: path.join(outDir, "umap.html"),
    });
    out.set(k, model);
  }
  return out;
}

/** Run (or resume) the experiment described by `config`. */
export async function runExperiment(opts: RunExperimentOptions): Promise<RunSummary> {
  const cfg = opts.config;
  const backend = await initBackend();
  const runDir = opts.out ? path.resolve(opts.out) : path.join(projectRoot(), "results", cfg.name);
  const record = runRecord(cfg.name, cfg.seed);
  info(`run ${cfg.name}: ${runDir} (backend ${backend.name}, ${backend.threads} thread(s), seed ${cfg.seed})`);
  info(`config: ${JSON.stringify(cfg)}`);
  await writeJsonAtomic(path.join(runDir, "config.json"), cfg);
  const stageSeconds: Record<string, number> = {};
  const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    const r = await f();
    stageSeconds[name] = (Date.now() - t0) / 1000;
    info(`stage ${name}: ${stageSeconds[name]!.toFixed(1)} s`);
    return r;
  };

  const data = await timed("data", () => dataStage(cfg, runDir, opts.data));
  const ks = [...new Set(cfg.cluster.sweep.length ? cfg.cluster.sweep : [cfg.cluster.k])].sort((a, b) => a - b);
  const mainK = mainClusterK(cfg);
  const clusterings = await timed("cluster", () => clusterStage(cfg, runDir, data.dir, data.train, ks));
  const jobs = ganJobs(runDir, data.train, clusterings, cfg);
  const card = { data: data.dir, runName: cfg.name, commit: record.commit, seed: cfg.seed };
  const trained = await timed("train", () => trainStage(cfg, data.train, jobs, card));
  const modelDirs = new Map([...trained.results].map(([name, r]) => [name, r.outDir]));
  const kid = cfg.study.kidSamples > 0 ? await timed("kid", () => runKidStage(cfg, { runDir, ganJobs: jobs, modelDirs, clusterings, train: data.train, test: data.test })) : null;
  const study = await timed("study", () => studyStage(cfg, { runDir, test: data.test, clusterings, mainK, modelDirs }));

  const sweep: SweepRow[] = [];
  const all = (m: string) => study.summary.stats[m]?.all;
  const secondsOf = (prefix: string) => [...trained.results].filter(([n]) => n.startsWith(prefix)).reduce((s, [, r]) => s + r.seconds, 0);
  if (all("general")) {
    const a = all("general")!;
    sweep.push({ k: 1, method: "general", gans: 1, trainSeconds: secondsOf("general"), psnrHole: a.psnrHole.mean, ssimHole: a.ssimHole.mean, l1Hole: a.l1Hole.mean, routingAccuracy: null });
  }
  for (const [k, model] of clusterings) {
    const name = clusteredMethodName(k, mainK);
    const a = all(name);
    if (!a) continue;
    sweep.push({ k, method: name, gans: model.k, trainSeconds: secondsOf(`k${k}/cluster-`), psnrHole: a.psnrHole.mean, ssimHole: a.ssimHole.mean, l1Hole: a.l1Hole.mean, routingAccuracy: study.routingAccuracy[`k${k}`] ?? null });
  }
  const summary: RunSummary = {
    runDir,
    record,
    data: {
      dir: data.dir,
      images: data.items.length,
      train: data.train.length,
      test: data.test.length,
      labels: data.labels,
      leftOut: {
        undecodable: data.leftOut.undecodable.map((s) => s.relPath),
        tooSmall: data.leftOut.tooSmall.map((s) => s.relPath),
        flat: data.leftOut.flat.map((s) => s.relPath),
      },
    },
    clusterings: [...clusterings].map(([k, m]) => ({ k, sizes: m.sizes, metrics: m.metrics, file: path.join(runDir, "clusters", `k${k}`, "clusters.json") })),
    training: jobs
      .filter((j) => trained.results.has(j.name))
      .map((j) => {
        const r = trained.results.get(j.name)!;
        return { name: j.name, images: j.ids.length, epochs: r.epochs, seconds: r.seconds, warnings: r.warnings };
      }),
    study: study.summary,
    kid,
    routingAccuracy: study.routingAccuracy,
    sweep,
    stageSeconds,
    files: { runDir, summary: path.join(runDir, "summary.json"), study: path.join(runDir, "study") },
  };
  if (opts.report ?? true) {
    const { writeReport } = await import("./report.js");
    summary.files.report = await timed("report", () => writeReport(summary, cfg));
  }
  await writeJsonAtomic(path.join(runDir, "run.json"), { ...record, finishedAt: new Date().toISOString(), stageSeconds });
  await writeJsonAtomic(path.join(runDir, "summary.json"), summary);
  return summary;
}

/** Read a finished run's summary.json. */
export async function readRunSummary(runDir: string): Promise<RunSummary> {
  return readJson<RunSummary>(path.join(runDir, "summary.json"));
}
