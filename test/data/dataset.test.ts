import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { countByLabel, listDataset } from "../../lib/data/dataset.js";
import { tempDir, writeFile } from "./helpers.js";

test("labels from subfolders; hidden and non-image files ignored; stable order", async () => {
  const dir = tempDir();
  for (const f of ["b/2.png", "b/10.JPG", "a/x.jpeg", "a/deep/y.webp", "a/.hidden.png", ".secret/z.png", "a/notes.txt", "README.md"]) {
    await writeFile(path.join(dir, f), "x");
  }
  const ls = await listDataset(dir);
  assert.equal(ls.source, "folders");
  assert.deepEqual(ls.items.map((i) => i.relPath), ["a/deep/y.webp", "a/x.jpeg", "b/10.JPG", "b/2.png"]);
  assert.deepEqual(ls.items.map((i) => i.label), ["a", "a", "b", "b"]);
  assert.deepEqual(ls.labels, ["a", "b"]);
  assert.deepEqual(ls.ignored, ["README.md", "a/notes.txt"]);
  assert.equal(ls.items[0]!.file, path.join(dir, "a", "deep", "y.webp"));
  assert.equal(ls.items[0]!.id, "a/deep/y.webp");
  assert.deepEqual(countByLabel(ls.items), { a: 2, b: 2 });
});

test("a flat folder is unlabelled", async () => {
  const dir = tempDir();
  for (const f of ["c.png", "a.jpg", "b.tif"]) await writeFile(path.join(dir, f), "x");
  const ls = await listDataset(dir);
  assert.equal(ls.source, "flat");
  assert.deepEqual(ls.items.map((i) => [i.relPath, i.label]), [["a.jpg", null], ["b.tif", null], ["c.png", null]]);
  assert.deepEqual(ls.labels, []);
  assert.deepEqual(countByLabel(ls.items), { "(unlabelled)": 3 });
});

test("manifest.csv wins over folder names and keeps the other columns as meta", async () => {
  const dir = tempDir();
  await writeFile(path.join(dir, "Folder", "p1.jpg"), "x");
  await writeFile(path.join(dir, "Folder", "p2.jpg"), "x");
  await writeFile(
    path.join(dir, "manifest.csv"),
    [
      "file,label,artist,title",
      'Folder/p2.jpg,Baroque,"Rembrandt, van Rijn","The ""Night"" Watch"',
      "Folder/p1.jpg,Rococo,Boucher,",
      "Folder/p1.jpg,Rococo,duplicate,",
      "Folder/readme.txt,,,",
      "Folder/missing.png,,,",
      "",
    ].join("\r\n"),
  );
  const ls = await listDataset(dir);
  assert.equal(ls.source, "manifest");
  assert.deepEqual(ls.items.map((i) => [i.relPath, i.label]), [["Folder/missing.png", null], ["Folder/p1.jpg", "Rococo"], ["Folder/p2.jpg", "Baroque"]]);
  assert.deepEqual(ls.items[2]!.meta, { artist: "Rembrandt, van Rijn", title: 'The "Night" Watch' });
  assert.deepEqual(ls.labels, ["Baroque", "Rococo"]);
  assert.deepEqual(ls.ignored, ["Folder/p1.jpg", "Folder/readme.txt"]);
});

test("errors name the folder or manifest", async () => {
  await assert.rejects(listDataset("/nonexistent/heritage-x"), /\/nonexistent\/heritage-x does not exist/);
  const dir = tempDir();
  await writeFile(path.join(dir, "manifest.csv"), "path,label\na.png,x\n");
  await assert.rejects(listDataset(dir), /manifest\.csv has no "file" column/);
});
