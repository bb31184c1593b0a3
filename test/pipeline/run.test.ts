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
  assert.deepEqual(first.study.methods.sort(), ["clustered", "general", "oracle-cluster", "telea"]);
  assert.equal(first.data.train + first.data.test, first.data.images);
  const cases = first.study.cases;
  assert.ok(cases >= 4);
  const csv = readFileSync(path.join(out, "study", "per-image.csv"), "utf8").trim().split("\n");
  assert.equal(csv.length, 1 + cases * 4, "one CSV row per case and method");
  for (const m of first.study.methods) {
    const st = first.study.stats[m]!.all!;
    assert.ok(st.psnrHole.mean > 5 && st.psnrHole.mean < 60, `${m}: PSNR on the hole ${st.psnrHole.mean}`);
    assert.ok(st.ssimHole.mean > -1 && st.ssimHole.mean <= 1);
  }
  const cmp = first.study.comparisons.find((c) => c.a === "clustered" && c.b === "general");
  assert.ok(cmp, "clustered vs general is compared");
  assert.equal(cmp.byMask.all!.psnrHole.n, cases);
  const report = readFileSync(path.join(out, "report.html"), "utf8");
  assert.match(report, /Completion study/);
  assert.match(report, /Plotly/);
  // Rerun: everything is found on disk, nothing is trained again, numbers are identical.
  const second = await runExperiment({ config: cfg, out, report: false });
  assert.ok(second.training.every((t) => t.seconds === first.training.find((f) => f.name === t.name)!.seconds));
  assert.deepEqual(second.study.stats, first.study.stats);
  // Reproducible: a fresh run with the same config and seed gives the same numbers.
  const out2 = mkdtempSync(path.join(os.tmpdir(), "run-ci-"));
  const fresh = await runExperiment({ config: cfg, out: out2, report: false });
  assert.deepEqual(fresh.study.stats, first.study.stats);
  assert.deepEqual(
    fresh.clusterings.map((c) => c.sizes),
    first.clusterings.map((c) => c.sizes),
  );
});
