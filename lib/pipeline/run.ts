/**
 * The whole study end to end, as `npm start` / `heritage run` / `heritage study` run it:
 * data -> features + k-means (per K) -> general and per-cluster DCGANs -> completion study -> report.
 * Every stage writes into results/<name>/ and resumes from what is there, so a killed run continues
 * where it stopped and a finished one is only re-reported.
 */
import type { ExperimentConfig } from "../config/experiment.js";
import { initBackend } from "../runtime/backend.js";
import { readJson, writeJsonAtomic } from "../util/fs.js";
import { info } from "../util/log.js";
import { clusterKs, clusterStage } from "./cluster-stage.js";
import { clusterJobPrefix, GENERAL_JOB, kKey, resolveRunLayout, runLayoutAt, studyDirOf, type RunLayout } from "./layout.js";
import { dataStage } from "./data-stage.js";
import { runRecord } from "./record.js";
import { clusteredMethodName, studyStage } from "./study-stage.js";
import { ganJobs, mainClusterK, trainStage } from "./train-stage.js";
import { runKidStage } from "./kid-stage.js";
import type { RunSummary, SweepRow } from "./summary.js";

export type { RunSummary, SweepRow } from "./summary.js";

export { clusterStage } from "./cluster-stage.js";

export interface RunExperimentOptions {
  config: ExperimentConfig;
  /** Run folder (default results/<config.name>). */
  out?: string;
  /** The run's layout (wins over `out`). */
  layout?: RunLayout;
  /** Dataset folder overriding the config's data.dir (then nothing is synthesised). */
  data?: string;
  /** Write report.html (default true). */
  report?: boolean;
}

/** Run (or resume) the experiment described by `config`. */
export async function runExperiment(opts: RunExperimentOptions): Promise<RunSummary> {
  const cfg = opts.config;
  const backend = await initBackend();
  const layout = opts.layout ?? resolveRunLayout({ dir: opts.out, name: cfg.name });
  const runDir = layout.dir;
  const record = runRecord(cfg.name, cfg.seed);
  info(`run ${cfg.name}: ${runDir} (backend ${backend.name}, ${backend.threads} thread(s), seed ${cfg.seed})`);
  info(`config: ${JSON.stringify(cfg)}`);
  await writeJsonAtomic(layout.config, cfg);
  const stageSeconds: Record<string, number> = {};
  const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    const r = await f();
    stageSeconds[name] = (Date.now() - t0) / 1000;
    info(`stage ${name}: ${stageSeconds[name]!.toFixed(1)} s`);
    return r;
  };

  const data = await timed("data", () => dataStage(cfg, layout, opts.data));
  const ks = clusterKs(cfg);
  const mainK = mainClusterK(cfg);
  const clusterings = await timed("cluster", () => clusterStage(cfg, layout, data.dir, data.train, ks));
  const jobs = ganJobs(layout, data.train, clusterings, cfg);
  const card = { data: data.dir, runName: cfg.name, commit: record.commit, seed: cfg.seed };
  const trained = await timed("train", () => trainStage(cfg, data.train, jobs, card));
  const modelDirs = new Map([...trained.results].map(([name, r]) => [name, r.outDir]));
  const kid = cfg.study.kidSamples > 0 ? await timed("kid", () => runKidStage(cfg, { runDir: layout, mainK, ganJobs: jobs, modelDirs, clusterings, train: data.train, test: data.test })) : null;
  const study = await timed("study", () => studyStage(cfg, { runDir: layout, test: data.test, validation: data.validation, clusterings, mainK, modelDirs }));

  const sweep: SweepRow[] = [];
  const all = (m: string) => study.summary.stats[m]?.all;
  const secondsOf = (prefix: string) => [...trained.results].filter(([n]) => n.startsWith(prefix)).reduce((s, [, r]) => s + r.seconds, 0);
  if (all("general")) {
    const a = all("general")!;
    sweep.push({ k: 1, method: "general", gans: 1, trainSeconds: secondsOf(GENERAL_JOB), psnrHole: a.psnrHole.mean, ssimHole: a.ssimHole.mean, l1Hole: a.l1Hole.mean, routingAccuracy: null });
  }
  for (const [k, model] of clusterings) {
    const name = clusteredMethodName(k, mainK);
    const a = all(name);
    if (!a) continue;
    sweep.push({ k, method: name, gans: model.k, trainSeconds: secondsOf(clusterJobPrefix(k)), psnrHole: a.psnrHole.mean, ssimHole: a.ssimHole.mean, l1Hole: a.l1Hole.mean, routingAccuracy: study.routingAccuracy[kKey(k)] ?? null });
  }
  const summary: RunSummary = {
    runDir,
    record,
    data: {
      dir: data.dir,
      images: data.items.length,
      train: data.train.length,
      test: data.test.length,
      validation: data.validation.length,
      labels: data.labels,
      leftOut: {
        undecodable: data.leftOut.undecodable.map((s) => s.relPath),
        tooSmall: data.leftOut.tooSmall.map((s) => s.relPath),
        flat: data.leftOut.flat.map((s) => s.relPath),
      },
    },
    clusterings: [...clusterings].map(([k, m]) => ({ k, sizes: m.sizes, metrics: m.metrics, file: layout.clusters(k) })),
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
    files: { runDir, summary: layout.summary, study: studyDirOf(layout, cfg.study.split) },
  };
  if (cfg.study.split === "validation") {
    // The run's report, summary.json and run.json describe the test set: a validation study leaves them alone.
    info(`validation study written to ${summary.files.study} (the run's report.html and summary.json describe the test set and are left as they are)`);
    return summary;
  }
  if (opts.report ?? true) {
    const { writeReport } = await import("./report.js");
    summary.files.report = await timed("report", () => writeReport(summary, cfg));
  }
  await writeJsonAtomic(layout.runRecord, { ...record, finishedAt: new Date().toISOString(), stageSeconds });
  await writeJsonAtomic(layout.summary, summary);
  return summary;
}

/** Read a finished run's summary.json. */
export async function readRunSummary(runDir: string): Promise<RunSummary> {
  return readJson<RunSummary>(runLayoutAt(runDir).summary);
}
