import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { loadExperiment } from "../../lib/config/experiment.js";
import { runExperiment } from "../../lib/pipeline/run.js";
import { projectRoot } from "../../lib/util/paths.js";

test("the ci preset runs every stage end to end, writes the report, and a rerun resumes without retraining", async () => {
  const cfg = await loadExperiment(path.join(projectRoot(), "experiments", "ci.json"));
  const out = mkdtempSync(path.join(os.tmpdir(), "run-ci-"));
  const first = await runExperiment({ config: cfg, out });
  for (const f of ["config.json", "split.json", "summary.json", "run.json", "report.html", "study/per-image.csv", "study/summary.json", "clusters/k2/clusters.json", "gans/general/card.json", "figures/table2-comparison.png"]) {
    assert.ok(existsSync(path.join(out, f)), `missing ${f}`);
  }
  assert.deepEqual(first.study.methods.sort(), ["clustered", "clustered-scratch", "general", "oracle-cluster", "telea"]);
  // gan.clusterInit "general" (the default): "clustered" GANs are fine-tunes of the general GAN; the
  // "clustered-scratch" ones train from random weights in k2/scratch/.
  const k2 = first.clusterings.find((c) => c.k === 2)!;
  for (let c = 0; c < k2.sizes.length; c++) {
    const tuned = JSON.parse(readFileSync(path.join(out, "gans", "k2", `cluster-${c}`, "card.json"), "utf8")) as { init: string; settings: { init?: { from: string } } };
    assert.equal(tuned.init, "general");
    assert.equal(tuned.settings.init?.from, path.join(out, "gans", "general"));
    const scratch = JSON.parse(readFileSync(path.join(out, "gans", "k2", "scratch", `cluster-${c}`, "card.json"), "utf8")) as { init: string; settings: { init?: unknown } };
    assert.equal(scratch.init, "scratch");
    assert.equal(scratch.settings.init, undefined);
  }
  assert.equal(first.data.train + first.data.test, first.data.images);
  const cases = first.study.cases;
  assert.ok(cases >= 4);
  const csv = readFileSync(path.join(out, "study", "per-image.csv"), "utf8").trim().split("\n");
  assert.equal(csv.length, 1 + cases * 5, "one CSV row per case and method");
  for (const m of first.study.methods) {
    const st = first.study.stats[m]!.all!;
    assert.ok(st.psnrHole.mean > 5 && st.psnrHole.mean < 60, `${m}: PSNR on the hole ${st.psnrHole.mean}`);
    assert.ok(st.ssimHole.mean > -1 && st.ssimHole.mean <= 1);
  }
  const cmp = first.study.comparisons.find((c) => c.a === "clustered" && c.b === "general");
  assert.ok(cmp, "clustered vs general is compared");
  assert.ok(first.study.comparisons.some((c) => c.a === "clustered-scratch" && c.b === "general"), "clustered-scratch vs general is compared");
  assert.equal(cmp.byMask.all!.psnrHole.n, cases);
  // KID per trained GAN (study.kidSamples = 8 in ci.json), in the summary and in each model card.
  assert.ok(first.kid, "summary.kid");
  assert.deepEqual(first.kid.models.map((m) => m.name), first.training.map((t) => t.name));
  assert.match(first.kid.note, /not Inception/);
  for (const m of first.kid.models) {
    assert.equal(m.n, 8);
    assert.ok(m.low <= m.value && m.value <= m.high && Number.isFinite(m.value), `${m.name}: KID ${m.value} [${m.low}, ${m.high}]`);
    const dir = m.name === "general" ? path.join(out, "gans", "general") : path.join(out, "gans", ...m.name.split("/"));
    const card = JSON.parse(readFileSync(path.join(dir, "card.json"), "utf8")) as { kid?: { value: number; against: string } };
    assert.equal(card.kid?.value, m.value, `${m.name}: card.json holds the KID`);
    assert.equal(card.kid?.against, m.against);
  }
  assert.equal(first.kid.models[0]!.against, "held-out", "the general GAN is measured against every held-out painting");
  assert.equal(first.kid.models[0]!.nReal, first.data.test);
  assert.ok(first.kid.models[0]!.floor, "real-vs-real floor for the general GAN");
  // Pooled: general and each clustered method as a whole against the same held-out paintings.
  const pooled = first.kid.pooled!;
  assert.deepEqual(pooled.map((p) => p.method), ["general", "clustered", "clustered-scratch"]);
  assert.equal(pooled[0]!.value, first.kid.models[0]!.value, "the pooled general KID is the general GAN's own KID (same samples, same real set)");
  for (const p of pooled.slice(1)) {
    assert.equal(p.n, 8, `${p.method}: the mixture has kidSamples samples`);
    assert.equal(Object.values(p.samples).reduce((a, b) => a + b, 0), 8);
    assert.equal(p.nReal, first.data.test);
    assert.ok(p.vsGeneral && Number.isFinite(p.vsGeneral.value) && p.vsGeneral.p > 0 && p.vsGeneral.p <= 1, `${p.method} vs general`);
  }
  assert.match(readFileSync(path.join(out, "report.html"), "utf8"), /as a whole/);
  assert.ok(existsSync(path.join(out, "figures", "kid.html")));
  const report = readFileSync(path.join(out, "report.html"), "utf8");
  assert.match(report, /Completion study/);
  assert.match(report, /KID x 1000/);
  assert.match(report, /Power on the hole PSNR/);
  assert.match(report, /D\(G\(z\)\)/);
  assert.match(report, /Plotly/);
  // Rerun: everything is found on disk, nothing is trained again, numbers are identical.
  const second = await runExperiment({ config: cfg, out, report: false });
  assert.ok(second.training.every((t) => t.seconds === first.training.find((f) => f.name === t.name)!.seconds));
  assert.deepEqual(second.study.stats, first.study.stats);
  assert.deepEqual(second.kid, first.kid, "KID read back from the model cards");
  // Reproducible: a fresh run with the same config and seed gives the same numbers.
  const out2 = mkdtempSync(path.join(os.tmpdir(), "run-ci-"));
  const fresh = await runExperiment({ config: cfg, out: out2, report: false });
  assert.deepEqual(fresh.study.stats, first.study.stats);
  assert.deepEqual(fresh.kid, first.kid, "KID reproducible by seed");
  assert.deepEqual(
    fresh.clusterings.map((c) => c.sizes),
    first.clusterings.map((c) => c.sizes),
  );
});
