/**
 * Published weight files: download once over HTTP (a server on 127.0.0.1), md5 check, atomic write,
 * and the offline message saying which file to put where.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { ensureWeights, KERAS_WEIGHTS, md5File, missingWeightsMessage, weightsPresent, type WeightsSpec } from "../../../lib/features/cnn/weights.js";
import { listExtractors } from "../../../lib/features/registry.js";

const payload = Buffer.from("pretend this is an HDF5 file with ImageNet weights ".repeat(100));
const md5 = createHash("md5").update(payload).digest("hex");
let server: http.Server;
let base: string;
let requests = 0;
let root: string;

before(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), "heritage-weights-"));
  server = http.createServer((req, res) => {
    requests++;
    if (req.url === "/w.h5") {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.end(payload);
    } else {
      res.writeHead(404);
      res.end("not found");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.close();
  rmSync(root, { recursive: true, force: true });
});

const spec = (over: Partial<WeightsSpec> = {}): WeightsSpec => ({ model: "TestNet", file: "w.h5", url: `${base}/w.h5`, md5, ...over });

test("the published md5 hashes are recorded for the three networks", () => {
  assert.equal(KERAS_WEIGHTS.vgg16.md5, "6d6bbae143d832006294945121d1f1fc");
  assert.equal(KERAS_WEIGHTS.vgg19.md5, "253f8cb515780f3b799900260a226db6");
  assert.equal(KERAS_WEIGHTS.resnet50.md5, "4d473c1dd8becc155b73f8504c6f6626");
  for (const s of Object.values(KERAS_WEIGHTS)) assert.match(s.url, new RegExp(`/${s.file}$`));
});

test("downloads once, checks the md5 and writes atomically", async () => {
  const dir = path.join(root, "a");
  requests = 0;
  const file = await ensureWeights(spec(), { dir });
  assert.equal(file, path.join(dir, "w.h5"));
  assert.deepEqual(readFileSync(file), payload);
  assert.equal(await md5File(file), md5);
  assert.deepEqual(readdirSync(dir), ["w.h5"], "no temp files left");
  await ensureWeights(spec(), { dir });
  assert.equal(requests, 1, "the second call uses the file on disk");
  assert.equal(weightsPresent(spec(), dir), true);
});

test("a download with the wrong md5 is refused and nothing is kept", async () => {
  const dir = path.join(root, "b");
  await assert.rejects(ensureWeights(spec({ md5: "0".repeat(32) }), { dir }), (err: Error) => {
    assert.match(err.message, /TestNet needs w\.h5 \(md5 0{32}\)\. Download it from http:\/\/127\.0\.0\.1:\d+\/w\.h5 and put it at .*b\/w\.h5/);
    assert.match(err.message, new RegExp(`downloaded file has md5 ${md5}`));
    return true;
  });
  assert.equal(existsSync(path.join(dir, "w.h5")), false);
});

test("offline or unreachable: the message says which file to put where", async () => {
  const dir = path.join(root, "c");
  await assert.rejects(ensureWeights(spec({ url: `${base}/missing.h5` }), { dir }), /TestNet needs w\.h5 .*Download it from .*missing\.h5 and put it at .*c\/w\.h5.*HTTP 404/);
  requests = 0;
  await assert.rejects(ensureWeights(spec(), { dir, download: false }), (err: Error) => {
    assert.equal(err.message, missingWeightsMessage(spec(), dir));
    return true;
  });
  assert.equal(requests, 0, "download: false never touches the network");
});

test("a damaged file in place is reported with both hashes", async () => {
  const dir = path.join(root, "d");
  await ensureWeights(spec(), { dir });
  writeFileSync(path.join(dir, "w.h5"), "damaged");
  await assert.rejects(ensureWeights(spec(), { dir }), new RegExp(`w\\.h5 has md5 [0-9a-f]{32} but TestNet's published file has ${md5}`));
});

test("listExtractors: Keras CNNs are unavailable until their file is in HERITAGE_WEIGHTS_DIR; the nsfwjs nets always are", () => {
  const dir = path.join(root, "e");
  const old = process.env.HERITAGE_WEIGHTS_DIR;
  process.env.HERITAGE_WEIGHTS_DIR = dir;
  try {
    let rows = listExtractors();
    const vgg = rows.find((r) => r.id === "vgg16")!;
    assert.equal(vgg.available, false);
    assert.match(vgg.why!, /VGG16 needs vgg16_weights_tf_dim_ordering_tf_kernels_notop\.h5 .*put it at .*e\/vgg16_weights/);
    assert.equal(rows.find((r) => r.id === "mobilenet_v2-nsfwjs")!.available, true);
    assert.equal(rows.find((r) => r.id === "inception_v3-nsfwjs")!.available, true);
    // Placing the file makes it available (the md5 is checked when it is loaded).
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, KERAS_WEIGHTS.vgg16.file), "x");
    rows = listExtractors();
    assert.equal(rows.find((r) => r.id === "vgg16")!.available, true);
  } finally {
    if (old === undefined) delete process.env.HERITAGE_WEIGHTS_DIR;
    else process.env.HERITAGE_WEIGHTS_DIR = old;
  }
});
