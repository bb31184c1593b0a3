import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { deepMerge, notebookSetup } from "../../lib/notebook/setup.js";
import { projectRoot } from "../../lib/util/paths.js";

describe("notebookSetup", () => {
  it("deepMerge merges objects and replaces everything else", () => {
    assert.deepEqual(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, e: 2 }), { a: { b: 1, c: [3] }, d: 1, e: 2 });
  });

  it("reads a preset, applies overrides and the run folder", async () => {
    const s = await notebookSetup({ config: "experiments/ci.json", overrides: { gan: { epochs: 3 } }, runDir: "results/x", backend: false });
    assert.equal(s.cfg.name, "ci");
    assert.equal(s.cfg.gan.epochs, 3);
    assert.equal(s.cfg.gan.arch.imageSize, 32, "values not overridden stay");
    assert.equal(s.runDir, path.join(projectRoot(), "results", "x"));
    assert.equal(s.backend, null);
    const named = await notebookSetup({ config: "experiments/ci.json", run: "mine", backend: false });
    assert.equal(named.runDir, path.join(projectRoot(), "results", "mine"));
  });

  it("names the missing file and invalid values", async () => {
    await assert.rejects(notebookSetup({ config: "experiments/nope.json", backend: false }), /experiments[/\\]nope\.json does not exist/);
    await assert.rejects(notebookSetup({ config: "experiments/ci.json", overrides: { gan: { epochs: -1 } }, backend: false }), /gan\.epochs/);
  });
});
