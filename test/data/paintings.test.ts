import assert from "node:assert/strict";
import { test } from "node:test";
import { listDataset } from "../../lib/data/dataset.js";
import { loadImages } from "../../lib/data/load.js";
import { sharedPaintingsDir } from "../../lib/util/paths.js";
import { tempDir } from "./helpers.js";

process.env.HERITAGE_QUIET = "1";
process.env.HERITAGE_CACHE = tempDir("heritage-cache-");
const dir = sharedPaintingsDir();

test("loads 20 real paintings at 64 px", { skip: dir ? false : "no shared paintings (../shared/paintings/manifest.csv not found; set HERITAGE_PAINTINGS)" }, async () => {
  const ls = await listDataset(dir!);
  assert.equal(ls.source, "manifest");
  assert.ok(ls.items.length >= 20);
  assert.ok(ls.labels.length >= 2);
  // take every k-th item so several labels are covered
  const k = Math.floor(ls.items.length / 20);
  const pick = ls.items.filter((_, i) => i % k === 0).slice(0, 20);
  const r = await loadImages(pick, { size: 64 });
  assert.equal(r.images.length + r.skipped.length, 20);
  assert.ok(r.images.length >= 18, `only ${r.images.length} of 20 decoded: ${JSON.stringify(r.skipped)}`);
  for (const img of r.images) {
    assert.deepEqual([img.width, img.height, img.channels], [64, 64, 3]);
    let mn = Infinity;
    let mx = -Infinity;
    for (const v of img.data) {
      mn = Math.min(mn, v);
      mx = Math.max(mx, v);
    }
    assert.ok(mn >= -1 && mx <= 1 && mx - mn > 0.2, "real pictures have contrast");
  }
  assert.ok(new Set(r.items.map((i) => i.label)).size >= 2);
  const again = await loadImages(pick, { size: 64 });
  assert.equal(again.fromCache, r.images.length);
});
