import assert from "node:assert/strict";
import { test } from "node:test";
import { elbowK, gapRuleK, parseKRange, suggestK, suggestKDetails, sweepK, sweepRowForTable, type SweepRow } from "../../lib/cluster/sweep.js";
import { blobs } from "./reference.js";

test("parseKRange reads A..B and lists, rejects nonsense", () => {
  assert.deepEqual(parseKRange("2..5"), [2, 3, 4, 5]);
  assert.deepEqual(parseKRange("3, 6,9"), [3, 6, 9]);
  assert.throws(() => parseKRange("5..2"), /start 5 is after end 2/);
  assert.throws(() => parseKRange("a..b"), /not "A..B"/);
});

test("sweepK reports every metric and suggests the true K on separated blobs", () => {
  const { X, y } = blobs(180, 5, 4, { seed: 12, std: 1 });
  const seen: number[] = [];
  const rows = sweepK(X, [1, 2, 3, 4, 5, 6, 7], { seed: 0, nInit: 3, gapRefs: 5, labels: y.map((v) => `s${v}`), onRow: (r) => seen.push(r.k) });
  assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(rows[0].silhouette, null);
  for (let i = 1; i < rows.length; i++) assert.ok(rows[i].inertia <= rows[i - 1].inertia * 1.0001);
  const r4 = rows[3];
  assert.ok(r4.ari !== undefined && Math.abs(r4.ari - 1) < 1e-12);
  assert.ok(r4.nmi !== undefined && Math.abs(r4.nmi - 1) < 1e-12);
  assert.equal(r4.purity, 1);
  assert.deepEqual([...r4.sizes].sort(), [45, 45, 45, 45]);
  const s = suggestKDetails(rows);
  assert.equal(s.k, 4, JSON.stringify(s));
  assert.equal(s.votes.silhouette, 4);
  assert.equal(s.votes.gap, 4);
  assert.equal(suggestK(rows), 4);
  assert.ok(!("labels" in sweepRowForTable(r4)));
});

test("suggestK rules on a hand-made table", () => {
  const row = (k: number, inertia: number, sil: number, db: number, ch: number, gap: number, sk: number): SweepRow => ({
    k, inertia, silhouette: sil, daviesBouldin: db, calinskiHarabasz: ch, gap, gapSk: sk, sizes: [], nIter: 1, labels: new Int32Array(),
  });
  const rows = [row(2, 100, 0.3, 1.2, 50, 0.1, 0.01), row(3, 40, 0.5, 0.8, 60, 0.5, 0.01), row(4, 35, 0.45, 0.9, 55, 0.52, 0.05), row(5, 32, 0.2, 1.5, 40, 0.53, 0.05)];
  assert.equal(elbowK(rows), 3);
  assert.equal(gapRuleK(rows), 3); // 0.5 >= 0.52 - 0.05
  const s = suggestKDetails(rows);
  assert.equal(s.k, 3);
  assert.deepEqual(s.votes, { silhouette: 3, daviesBouldin: 3, calinskiHarabasz: 3, gap: 3, elbow: 3 });
  assert.throws(() => suggestK([]), /no rows/);
});
