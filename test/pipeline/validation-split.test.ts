import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { loadExperiment, parseExperiment, type ExperimentConfig } from "../../lib/config/experiment.js";
import { splitThree } from "../../lib/pipeline/data-stage.js";
import { runExperiment } from "../../lib/pipeline/run.js";
import { projectRoot } from "../../lib/util/paths.js";

const items = Array.from({ length: 60 }, (_, i) => ({ id: `p${i}`, label: ["a", "b", "c"][i % 3]! }));

test("splitThree: a validation share never changes the test set, and the three sets are disjoint and stratified", () => {
  const two = splitThree(items, 0.2, 0, 5);
  const three = splitThree(items, 0.2, 0.25, 5);
  assert.deepEqual(three.test, two.test, "same seed and testFraction: same test set");
  assert.equal(two.validation.length, 0);
  assert.equal(three.validation.length, 12, "a quarter of the 48 non-test images");
  const ids = [...three.train, ...three.test, ...three.validation].map((i) => i.id);
  assert.equal(new Set(ids).size, items.length, "disjoint and complete");
  for (const l of ["a", "b", "c"]) assert.equal(three.validation.filter((i) => i.label === l).length, 4, `label ${l} keeps its share`);
});

test("the config refuses a validation study without a validation set, and an average over more candidates than searched", () => {
  assert.throws(() => parseExperiment({ name: "x", study: { split: "validation" } }, "x.json"), /x\.json: study\.split is "validation" but data\.validationFraction is 0/);
  assert.throws(() => parseExperiment({ name: "x", completion: { candidates: 4, average: 5 } }, "x.json"), /completion\.average \(5\) is more than completion\.candidates \(4\)/);
});

test("a validation study: never trained on, written to study-validation/, leaves the test report alone; other settings are refused", async () => {
  const base = await loadExperiment(path.join(projectRoot(), "experiments", "ci.json"));
  const cfg: ExperimentConfig = { ...base, data: { ...base.data, validationFraction: 0.25 }, study: { ...base.study, methods: ["general", "telea"], kidSamples: 0 } };
  const out = mkdtempSync(path.join(os.tmpdir(), "run-val-"));
  const first = await runExperiment({ config: cfg, out });
  const split = JSON.parse(readFileSync(path.join(out, "split.json"), "utf8")) as { train: string[]; test: string[]; validation: string[]; made: { validationFraction: number } };
  assert.ok(split.validation.length >= 2);
  assert.equal(split.made.validationFraction, 0.25);
  assert.equal(first.data.validation, split.validation.length);
  assert.equal(first.training.find((t) => t.name === "general")!.images, split.train.length, "the general GAN trains on the train set only");
  const report = readFileSync(path.join(out, "report.html"), "utf8");
  const summary = readFileSync(path.join(out, "summary.json"), "utf8");

  const val: ExperimentConfig = { ...cfg, study: { ...cfg.study, split: "validation" } };
  const v = await runExperiment({ config: val, out });
  assert.equal(v.study.cases, split.validation.length * cfg.study.masks.length);
  const rows = readFileSync(path.join(out, "study-validation", "per-image.csv"), "utf8");
  for (const id of split.validation) assert.ok(rows.includes(id), `validation painting ${id} completed`);
  for (const id of split.test) assert.ok(!rows.includes(`${id}|`), `test painting ${id} not in the validation study`);
  assert.equal(readFileSync(path.join(out, "report.html"), "utf8"), report, "the test report is left alone");
  assert.equal(readFileSync(path.join(out, "summary.json"), "utf8"), summary, "the run summary is left alone");
  assert.ok(existsSync(path.join(out, "study-validation", "made.json")));

  // Other completion settings on the same journal: refused, naming the setting, nothing mixed.
  const other: ExperimentConfig = { ...val, completion: { ...val.completion, iterations: val.completion.iterations + 1 } };
  await assert.rejects(runExperiment({ config: other, out }), /study-validation: the study on disk was made from other settings or inputs: completion\.iterations: 5 recorded, 6 now/);
  // The same settings again: resumed from the journal, identical numbers.
  const again = await runExperiment({ config: val, out });
  assert.deepEqual(again.study.stats, v.study.stats);
});
