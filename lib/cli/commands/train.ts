/**
 * `heritage train`, two ways:
 * - the run's train stage (the default): the config's data split (the held-out images are not
 *   trained on), the run's clusterings (made when missing, reused or refused as `heritage run` does),
 *   and every GAN job of the run under the run folder's gans/, named as `heritage run` names them
 *   ("general", "k<K>/cluster-<c>", ...). The same stage functions as `heritage run`.
 * - a one-off with `--out DIR` (a GAN folder) or `--clusters FILE`: the general DCGAN on every image
 *   of --data, or one DCGAN per cluster of clusters.json ("cluster-<c>"), nothing held out.
 * A rerun resumes either way.
 */
import type { Command } from "commander";
import path from "node:path";
import { loadClusterModel } from "../../cluster/model.js";
import { listDataset } from "../../data/dataset.js";
import { clusterKs, clusterStage } from "../../pipeline/cluster-stage.js";
import { dataStage } from "../../pipeline/data-stage.js";
import { clusterFolder, GENERAL_JOB } from "../../pipeline/layout.js";
import { gitCommit } from "../../pipeline/record.js";
import { ganJobs, trainStage, type GanJob, type TrainStageResult } from "../../pipeline/train-stage.js";
import { initBackend } from "../../runtime/backend.js";
import { writeJsonAtomic } from "../../util/fs.js";
import { info } from "../../util/log.js";
import { collect, defaultConfigFile, parseIntOption, resolveStageConfig, type StageCliOptions } from "../options.js";

interface TrainCli extends StageCliOptions {
  data?: string;
  clusters?: string;
  general?: boolean;
  workers?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("train")
    .description(
      "train DCGANs: the run's train stage (general GAN + one per cluster of each K, training split only, as `heritage run`), " +
        "or a one-off with --out DIR / --clusters FILE on every image of --data (resumes either way)",
    )
    .option("--config <file>", "experiment config (default: the run's config.json, else experiments/default.json)")
    .option("--run <name>", "run name (results/<name>) or run folder (a path)")
    .option("--set <a.b=value>", "override a config field (repeatable), e.g. --set gan.epochs=5", collect, [])
    .option("--data <dir>", "dataset folder instead of the config's data.dir (nothing is synthesised then)")
    .option("--clusters <file>", "one-off: clusters.json; train one GAN per cluster on its images")
    .option("--general", "one-off with --clusters: also train the general GAN on all images")
    .option("--out <dir>", "one-off: the GAN folder (default: gans/ of the run, results/<run or config name>/gans, with --clusters)")
    .option("--workers <n>", "parallel training processes (0 = one per core or per GPU in HERITAGE_GPUS); overrides gan.workers")
    .option("--json", "print what was trained as JSON on stdout")
    .action(async (o: TrainCli) => {
      const oneOff = o.out !== undefined || o.clusters !== undefined;
      if (oneOff && !o.data) throw new Error("--data DIR is needed with --out / --clusters (a one-off on every image of a folder)");
      const extra = o.workers !== undefined ? { gan: { workers: parseIntOption("workers", o.workers, 0) } } : {};
      // the one-off's --out is a GAN folder, not a run folder
      const { cfg, layout, source } = await resolveStageConfig({ ...o, out: oneOff ? undefined : o.out }, extra, defaultConfigFile());
      await initBackend();
      let jobs: GanJob[];
      let res: TrainStageResult;
      let listed: number;
      if (oneOff) {
        const data = o.data!;
        const listing = await listDataset(data);
        listed = listing.items.length;
        const out = o.out ?? layout.gansRoot;
        jobs = [];
        if (!o.clusters || o.general) {
          jobs.push({ name: GENERAL_JOB, outDir: path.join(out, GENERAL_JOB), ids: listing.items.map((i) => i.id), cluster: null, k: 1, init: "scratch" });
        }
        if (o.clusters) {
          const model = await loadClusterModel(o.clusters);
          const known = new Set(listing.items.map((i) => i.id));
          const missing = model.ids.filter((id) => !known.has(id));
          if (missing.length) info(`train: ${missing.length} clustered images are not in ${data} (e.g. ${missing[0]}); they are left out`);
          for (let c = 0; c < model.k; c++) {
            const ids = model.ids.filter((id, i) => model.labels[i] === c && known.has(id));
            // gan.clusterInit "general": fine-tuned from the general GAN in <out>/general (trained first with --general)
            const start = cfg.gan.clusterInit === "general" ? { init: "general" as const, initFrom: path.join(out, GENERAL_JOB) } : { init: "scratch" as const };
            jobs.push({ name: clusterFolder(c), outDir: path.join(out, clusterFolder(c)), ids, cluster: c, k: model.k, ...start });
          }
        }
        res = await trainStage(cfg, listing.items, jobs, { data, config: source, clusters: o.clusters ?? null, commit: gitCommit().commit });
      } else {
        const data = await dataStage(cfg, layout, o.data);
        listed = data.train.length;
        const clusterings = await clusterStage(cfg, layout, data.dir, data.train, clusterKs(cfg));
        jobs = ganJobs(layout, data.train, clusterings, cfg);
        res = await trainStage(cfg, data.train, jobs, { data: data.dir, runName: cfg.name, commit: gitCommit().commit, seed: cfg.seed });
        await writeJsonAtomic(layout.config, cfg); // after the stage: config.json holds what the run was made with
      }
      const rows = [...res.results].map(([name, r]) => ({ name, outDir: r.outDir, epochs: r.epochs, seconds: r.seconds, warnings: r.warnings }));
      const untrained = jobs.filter((j) => !res.results.has(j.name));
      if (rows.length === 0) {
        // exit non-zero: nothing was trained, and saying so in a log line only would read as success
        const what = untrained.map((j) => `${j.name} (${j.ids.length} listed)`).join(", ");
        throw new Error(
          `nothing was trained: a GAN needs at least 2 images that decode, and ${what || "no job"} had fewer in ${o.data ?? cfg.data.dir}` +
            ` (${listed} image(s) listed). Add images, or check the files named above`,
        );
      }
      if (untrained.length) info(`train: ${untrained.length} of ${jobs.length} GAN(s) not trained (fewer than 2 images): ${untrained.map((j) => j.name).join(", ")}`);
      if (o.json) process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
      for (const r of rows) info(`${r.name}: ${r.epochs} epochs, ${r.seconds.toFixed(0)} s -> ${r.outDir}`);
    });
}
