/**
 * The stage commands are the pipeline's stages: `heritage cluster|train|study` with --config, --run
 * and --set cluster the training split with the config's settings, train the jobs `heritage run`
 * names, and study on what they left, in one run folder (RunLayout). Tiny: colour-stats features,
 * 32 px toy GANs, one epoch.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { parseSetArgs } from "../../lib/config/overrides.js";
import { intOption, openIntervalList, parseNumberOption } from "../../lib/cli/options.js";
import { runLayoutAt } from "../../lib/pipeline/layout.js";
import { runCli } from "../cli.js";

test("--set a.b=value: nested overrides, JSON values or strings, later wins; bad keys are named", () => {
  assert.deepEqual(parseSetArgs(["cluster.k=8", "gan.arch.nz=16", "data.dir=data/met", "cluster.sweep=[2,4]", "cluster.k=3", "cluster.balanced=true"]), {
    cluster: { k: 3, sweep: [2, 4], balanced: true },
    gan: { arch: { nz: 16 } },
    data: { dir: "data/met" },
  });
  assert.throws(() => parseSetArgs(["cluster.k"]), /--set "cluster\.k" must look like a\.b=value/);
  assert.throws(() => parseSetArgs(["cluster..k=2"]), /"" is not a config field name/);
});

test("shared number options name the flag and the range", () => {
  assert.equal(intOption("k", 1, 10)("4"), 4);
  assert.throws(() => intOption("k", 1, 10)("40"), /--k must be an integer in 1\.\.10, got "40"/);
  assert.throws(() => intOption("k", 1, 10)(""), /--k must be an integer/);
  assert.throws(() => parseNumberOption("timeout", "x", 0), /--timeout must be a number >= 0, got "x"/);
  assert.deepEqual(openIntervalList("holes", 0, 1)("0.1, 0.5"), [0.1, 0.5]);
  assert.throws(() => openIntervalList("holes", 0, 1)("0.1,1"), /--holes must be comma-separated numbers in \(0, 1\)/);
});

test("heritage cluster | train | study with --config/--run/--set run the pipeline's stages in one run folder", async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "stage-cli-"));
  const env = { HERITAGE_CACHE: path.join(tmp, "cache") };
  const cfgFile = path.join(tmp, "cfg.json");
  writeFileSync(
    cfgFile,
    JSON.stringify({
      name: "stage-cli",
      seed: 5,
      data: { source: "synthetic", dir: path.join(tmp, "data"), perStyle: 3, synthSize: 32, testFraction: 0.25 },
      features: { extractor: "colour-stats", batch: 8 },
      cluster: { k: 2, nInit: 2 },
      gan: { arch: { imageSize: 32, nz: 8, ngf: 4, ndf: 4 }, epochs: 1, batchSize: 8, workers: 1, clusterInit: "scratch" },
      completion: { iterations: 2, candidates: 1, batchImages: 4 },
      study: { masks: [{ type: "center", fraction: 0.25 }], methods: ["general", "clustered"], figureImages: 1, kidSamples: 0 },
    }),
  );
  const run = path.join(tmp, "run");
  const layout = runLayoutAt(run);
  const cl = await runCli(["cluster", "--config", cfgFile, "--run", run, "--set", "cluster.nInit=3", "--json"], undefined, env);
  assert.equal(cl.code, 0, cl.stderr.slice(-2000));
  const out = JSON.parse(cl.stdout) as { train: number; test: number; clusterings: { k: number; file: string }[] };
  assert.equal(out.train + out.test, 18);
  assert.equal(out.clusterings[0]!.file, layout.clusters(2));
  const model = JSON.parse(readFileSync(layout.clusters(2), "utf8")) as { ids: string[]; settings: { seed: number; nInit: number } };
  assert.equal(model.settings.seed, 5, "the config's seed, not the one-off default");
  assert.equal(model.settings.nInit, 3, "--set applied");
  const split = JSON.parse(readFileSync(layout.split, "utf8")) as { train: string[]; test: string[] };
  assert.deepEqual([...model.ids].sort(), [...split.train].sort(), "the training split is clustered, not the whole dataset");
  // the run's config.json now holds nInit 3: a rerun with another nInit is refused, naming it
  const other = await runCli(["cluster", "--run", run, "--n-init", "4"], undefined, env);
  assert.notEqual(other.code, 0);
  assert.match(other.stderr, /clusters\.json: the clustering \(K = 2\) on disk was made from other settings or inputs: nInit: 3 recorded, 4 now/);

  const tr = await runCli(["train", "--run", run, "--json"], undefined, env);
  assert.equal(tr.code, 0, tr.stderr.slice(-2000));
  const trained = (JSON.parse(tr.stdout) as { name: string; outDir: string }[]).map((r) => r.name).sort();
  assert.deepEqual(trained, ["general", "k2/cluster-0", "k2/cluster-1"], "heritage run's job names");
  const card = JSON.parse(readFileSync(path.join(layout.ganDir("general"), "card.json"), "utf8")) as { settings: { imageIds: string[] } };
  assert.deepEqual([...card.settings.imageIds].sort(), [...split.train].sort(), "the held-out images are not trained on");

  const st = await runCli(["study", "--run", run, "--no-report"], undefined, env);
  assert.equal(st.code, 0, st.stderr.slice(-2000));
  assert.equal(st.stderr.match(/already trained/g)?.length, 3, "the GANs `heritage train` made are reused, none trained again");
  assert.ok(existsSync(path.join(layout.study, "per-image.csv")));
});
