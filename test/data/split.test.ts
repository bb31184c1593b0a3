import assert from "node:assert/strict";
import { test } from "node:test";
import { trainTestSplit } from "../../lib/data/split.js";

const items = Array.from({ length: 100 }, (_, i) => ({ id: `i${i}`, label: i < 60 ? "a" : i < 90 ? "b" : i < 99 ? "c" : "d" }));

test("split is deterministic in the seed and covers every item once", () => {
  const s1 = trainTestSplit(items, { testFraction: 0.2, seed: 7 });
  const s2 = trainTestSplit(items, { testFraction: 0.2, seed: 7 });
  assert.deepEqual(s1, s2);
  const s3 = trainTestSplit(items, { testFraction: 0.2, seed: 8 });
  assert.notDeepEqual(s1.test, s3.test);
  const all = [...s1.train, ...s1.test].map((i) => i.id).sort();
  assert.deepEqual(all, items.map((i) => i.id).sort());
  // input order kept inside each part
  const idx = s1.test.map((t) => items.indexOf(t));
  assert.deepEqual(idx, [...idx].sort((a, b) => a - b));
});

test("stratified split keeps label shares; a single-item label stays in train", () => {
  const s = trainTestSplit(items, { testFraction: 0.2, seed: 1, stratify: true });
  const count = (xs: typeof items, l: string): number => xs.filter((x) => x.label === l).length;
  assert.equal(count(s.test, "a"), 12);
  assert.equal(count(s.test, "b"), 6);
  assert.equal(count(s.test, "c"), 2);
  assert.equal(count(s.test, "d"), 0);
  assert.equal(s.test.length, 20);
});

test("unstratified split takes round(n * f) items; bad fractions throw", () => {
  const s = trainTestSplit(items, { testFraction: 0.25, seed: 3, stratify: false });
  assert.equal(s.test.length, 25);
  assert.equal(trainTestSplit(items, { testFraction: 0, seed: 3 }).test.length, 0);
  assert.throws(() => trainTestSplit(items, { testFraction: 1, seed: 3 }), /testFraction must be in \[0, 1\)/);
});
