/**
 * The run layout: every path and job name of one run, in one place. `heritage run`, the stage
 * commands (`heritage cluster|train|study --config`), the Slurm tasks and the notebooks all take
 * their paths from here, so they agree on where a run lives:
 *
 *   results/<name>/            the run folder (or any folder given with --out / runDir)
 *     config.json              the resolved experiment config
 *     split.json               the train / held-out split and what it was made from
 *     clusters/k<K>/           clusters.json (k-means model) and umap.html, per K
 *     gans/general/            the general DCGAN
 *     gans/k<K>/cluster-<c>/   the GAN of cluster c of K (started as gan.clusterInit says)
 *     gans/k<K>/<scratch|transfer>/cluster-<c>/   the cluster GANs with the other start
 *     study/                   the completion study (per-image.csv, summary.json, images)
 *     study-validation/        the same on the validation set (study.split "validation")
 *     figures/                 the report's figures
 *     summary.json, run.json, report.html
 *
 * Job names are the GAN folders below gans/: "general", "k<K>/cluster-<c>",
 * "k<K>/scratch/cluster-<c>" and "k<K>/transfer/cluster-<c>".
 */
import path from "node:path";
import type { GanConfig, StudyConfig } from "../config/experiment.js";
import { projectRoot } from "../util/paths.js";

/** How a cluster GAN starts: random weights, or fine-tuned from the trained general GAN (the config's `gan.clusterInit`). */
export type ClusterInit = GanConfig["clusterInit"];

/** Name of the general GAN's job (and its folder below gans/). */
export const GENERAL_JOB = "general";

/** Folder segment of the extra cluster GANs: "scratch" or "transfer". */
export function initSegment(init: ClusterInit): "transfer" | "scratch" {
  return init === "general" ? "transfer" : "scratch";
}

/**
 * Study method name of the cluster GANs that start as `init` when they are the extra ones (the other
 * start than gan.clusterInit): "clustered-transfer" (from the general GAN) or "clustered-scratch".
 */
export function initMethodName(init: ClusterInit): "clustered-transfer" | "clustered-scratch" {
  return `clustered-${initSegment(init)}`;
}

/** Folder of cluster `c`'s GAN: "cluster-<c>" (below gans/k<K>/, or a one-off's GAN folder). */
export function clusterFolder(c: number): string {
  return `cluster-${c}`;
}

/** Job name of cluster `c` of the K = `k` clustering; with `extra`, the GAN with that other start. */
export function clusterJobName(k: number, c: number, extra?: ClusterInit): string {
  return extra ? `k${k}/${initSegment(extra)}/${clusterFolder(c)}` : `k${k}/${clusterFolder(c)}`;
}

/** Prefix shared by the job names of K's cluster GANs started as gan.clusterInit says ("k4/cluster-"). */
export function clusterJobPrefix(k: number): string {
  return `k${k}/cluster-`;
}

/** Key of K in per-K records (routing accuracy, prepare-stage sizes): "k4". */
export function kKey(k: number): string {
  return `k${k}`;
}

/** Every path of one run folder. Pure: nothing is created or read. */
export interface RunLayout {
  /** Absolute run folder. */
  dir: string;
  /** config.json: the resolved config the run was made with. */
  config: string;
  /** split.json: the train / held-out split. */
  split: string;
  /** summary.json: the run's summary (what `heritage run` returns). */
  summary: string;
  /** run.json: the run record (versions, commit, timings). */
  runRecord: string;
  /** report.html. */
  report: string;
  /** clusters/. */
  clustersRoot: string;
  /** clusters/k<K>/. */
  clustersDir(k: number): string;
  /** clusters/k<K>/clusters.json. */
  clusters(k: number): string;
  /** clusters/k<K>/umap.html. */
  umap(k: number): string;
  /** clusters/k<K>/umap.json (the UMAP points the figure is drawn from). */
  umapPoints(k: number): string;
  /** gans/. */
  gansRoot: string;
  /** The folder of a GAN job ("general", "k4/cluster-2", "k4/scratch/cluster-2"). */
  ganDir(job: string): string;
  /** study/: the completion study (on the test set). */
  study: string;
  /** study-validation/: the completion study on the validation set (for choosing settings). */
  studyValidation: string;
  /** figures/: the report's figures. */
  figures: string;
  /** figures/<id> (without extension: the figure exporter adds .html/.png/.svg). */
  figure(id: string): string;
  /** slurm/: the Slurm side of the run (see ../slurm/layout.ts). */
  slurm: string;
}

/** A run folder given as a path or as its layout (stage functions take either). */
export type RunDirOrLayout = string | RunLayout;

/** The layout of `x` (a run folder path is laid out; a layout is returned as it is). */
export function asLayout(x: RunDirOrLayout): RunLayout {
  return typeof x === "string" ? runLayoutAt(x) : x;
}

/** The layout of the run folder `dir` (made absolute against the working directory). */
export function runLayoutAt(dir: string): RunLayout {
  const d = path.resolve(dir);
  const clustersRoot = path.join(d, "clusters");
  const gansRoot = path.join(d, "gans");
  const figures = path.join(d, "figures");
  const clustersDir = (k: number) => path.join(clustersRoot, `k${k}`);
  return {
    dir: d,
    config: path.join(d, "config.json"),
    split: path.join(d, "split.json"),
    summary: path.join(d, "summary.json"),
    runRecord: path.join(d, "run.json"),
    report: path.join(d, "report.html"),
    clustersRoot,
    clustersDir,
    clusters: (k) => path.join(clustersDir(k), "clusters.json"),
    umap: (k) => path.join(clustersDir(k), "umap.html"),
    umapPoints: (k) => path.join(clustersDir(k), "umap.json"),
    gansRoot,
    ganDir: (job) => {
      const parts = job.split("/");
      if (!job || parts.some((p) => !p || p === "." || p === "..")) throw new Error(`"${job}" is not a GAN job name (e.g. "general", "k4/cluster-2")`);
      return path.join(gansRoot, ...parts);
    },
    study: path.join(d, "study"),
    studyValidation: path.join(d, "study-validation"),
    figures,
    figure: (id) => path.join(figures, id),
    slurm: path.join(d, "slurm"),
  };
}

/** The study folder of a held-out split: study/ (test) or study-validation/. */
export function studyDirOf(layout: RunLayout, split: StudyConfig["split"]): string {
  return split === "validation" ? layout.studyValidation : layout.study;
}

/** Where runs live by default: <project root>/results. */
export function defaultResultsRoot(): string {
  return path.join(projectRoot(), "results");
}

/** The layout of run `name` under `resultsRoot` (default <project root>/results). */
export function runLayout(name: string, resultsRoot: string = defaultResultsRoot()): RunLayout {
  if (!name || name.includes("/") || name.includes("\\") || name === "." || name === "..") {
    throw new Error(`run name "${name}" must be a plain folder name (letters, digits, '.', '_', '-'); give a folder with --out instead`);
  }
  return runLayoutAt(path.join(resultsRoot, name));
}

/**
 * The one rule that picks a run folder: an explicit folder (`--out`, a notebook's `runDir`;
 * relative to `base`, default the working directory) wins; else results/<run> (`--run`, a
 * notebook's `run`), else results/<config name>.
 */
export function resolveRunLayout(o: { dir?: string; run?: string; name: string; base?: string; resultsRoot?: string }): RunLayout {
  if (o.dir) return runLayoutAt(path.resolve(o.base ?? process.cwd(), o.dir));
  return runLayout(o.run || o.name, o.resultsRoot);
}
