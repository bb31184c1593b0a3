import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { quantize8 } from "../../../lib/features/keypoints/gray.js";
import { matchDescriptors, scoreMatches } from "../../../lib/features/keypoints/matching.js";
import { sift, SIFT_DIM } from "../../../lib/features/keypoints/sift.js";
import type { GrayImage, KeypointFeatures } from "../../../lib/features/keypoints/types.js";
import { transformImage, type TransformSpec } from "../../../lib/features/keypoints/warp.js";
import { projectRoot } from "../../../lib/util/paths.js";
import { loadTestPainting } from "./real-painting.js";
import { blobImage, texturedImage } from "./synthetic-images.js";

interface RefKp {
  x: number;
  y: number;
  size: number;
  angle: number;
  response: number;
}
const ref = JSON.parse(readFileSync(path.join(projectRoot(), "test/features/keypoints/fixtures/blob-keypoints.json"), "utf8")) as {
  blobs: Array<{ x: number; y: number; sigma: number }>;
  sift: RefKp[];
};

function nearest<T extends { x: number; y: number }>(kps: readonly T[], x: number, y: number): T {
  let best = kps[0]!;
  for (const k of kps) if (Math.hypot(k.x - x, k.y - y) < Math.hypot(best.x - x, best.y - y)) best = k;
  return best;
}

function selfMatch(img: GrayImage, spec: TransformSpec, detect: (g: GrayImage) => KeypointFeatures) {
  const { image, transform } = transformImage(img, spec);
  const a = detect(img);
  const b = detect(quantize8(image));
  return scoreMatches(matchDescriptors(a, b, { ratio: 0.8 }), a.keypoints, b.keypoints, transform, 3);
}

test("SIFT finds each Gaussian blob at its centre and scale, as OpenCV does", () => {
  const { keypoints } = sift(blobImage());
  // Only the blobs are structure: every keypoint lies on one of them.
  for (const k of keypoints) {
    const b = nearest(ref.blobs, k.x, k.y);
    assert.ok(Math.hypot(k.x - b.x, k.y - b.y) < 0.5, `keypoint (${k.x.toFixed(2)}, ${k.y.toFixed(2)}) is off every blob`);
  }
  const k = Math.pow(2, 1 / 3);
  for (const blob of ref.blobs) {
    const ours = nearest(keypoints, blob.x, blob.y);
    // Sub-pixel centre: within 0.15 px of the true blob centre.
    assert.ok(Math.hypot(ours.x - blob.x, ours.y - blob.y) < 0.15, `blob ${blob.sigma}: centre (${ours.x}, ${ours.y})`);
    // Scale: a DoG of a Gaussian blob of sigma_b peaks at sigma_b / sqrt(k); size = 2 sigma.
    const expected = (2 * blob.sigma) / Math.sqrt(k);
    assert.ok(Math.abs(ours.size / expected - 1) < 0.05, `blob ${blob.sigma}: size ${ours.size} vs ${expected}`);
    // OpenCV (fixture): same size within 1% and same contrast within 2%; its centre is ours shifted by
    // +0.25 px (OpenCV halves coordinates from the upsampled octave instead of using pixel centres).
    const cv = nearest(ref.sift, blob.x, blob.y);
    assert.ok(Math.abs(ours.size / cv.size - 1) < 0.01, `blob ${blob.sigma}: size ${ours.size} vs OpenCV ${cv.size}`);
    assert.ok(Math.abs(ours.response / cv.response - 1) < 0.02, `blob ${blob.sigma}: response ${ours.response} vs OpenCV ${cv.response}`);
    assert.ok(Math.abs(ours.x + 0.25 - cv.x) < 0.05 && Math.abs(ours.y + 0.25 - cv.y) < 0.05, `blob ${blob.sigma}: (${ours.x}, ${ours.y}) vs OpenCV (${cv.x}, ${cv.y})`);
    // Orientation peaks: an isotropic blob has several; ours are OpenCV's, to 0.5 degree.
    const angles = (kps: ReadonlyArray<{ x: number; y: number; angle?: number }>) =>
      kps.filter((q) => Math.hypot(q.x - blob.x, q.y - blob.y) < 1).map((q) => q.angle!).sort((a, b) => a - b);
    const oursA = angles(keypoints);
    const cvA = angles(ref.sift);
    assert.equal(oursA.length, cvA.length, `blob ${blob.sigma}: angles ${oursA} vs OpenCV ${cvA}`);
    oursA.forEach((a, i) => assert.ok(Math.abs(a - cvA[i]!) < 0.5, `blob ${blob.sigma}: angles ${oursA} vs OpenCV ${cvA}`));
  }
  assert.equal(keypoints.length, ref.sift.length);
});

test("SIFT descriptors are 128-d, unit-norm, non-negative, clipped", () => {
  const f = sift(texturedImage(256, 192, 1));
  assert.equal(f.dim, SIFT_DIM);
  assert.equal(SIFT_DIM, 128);
  assert.ok(f.keypoints.length > 50, `only ${f.keypoints.length} keypoints`);
  assert.equal(f.descriptors.length, f.keypoints.length * 128);
  for (let i = 0; i < f.keypoints.length; i++) {
    const row = f.descriptors.subarray(i * 128, (i + 1) * 128);
    let n2 = 0;
    let max = 0;
    for (const v of row) {
      assert.ok(v >= 0);
      n2 += v * v;
      max = Math.max(max, v);
    }
    assert.ok(Math.abs(Math.sqrt(n2) - 1) < 1e-5, `descriptor ${i} has norm ${Math.sqrt(n2)}`);
    // After clipping at 0.2 and renormalising no component can exceed 0.2 / ||clipped|| and in practice stays < 0.5.
    assert.ok(max < 0.5, `descriptor ${i} has a component ${max}`);
  }
  for (const k of f.keypoints) assert.ok(k.angle >= 0 && k.angle < 360 && k.size > 0 && k.response > 0);
});

test("SIFT keeps the strongest keypoints when capped", () => {
  const img = texturedImage(160, 128, 2);
  const all = sift(img);
  const capped = sift(img, { maxKeypoints: 20 });
  assert.ok(all.keypoints.length > 20);
  assert.ok(capped.keypoints.length >= 20 && capped.keypoints.length <= 20);
  const cut = [...all.keypoints].map((k) => k.response).sort((a, b) => b - a)[19]!;
  for (const k of capped.keypoints) assert.ok(k.response >= cut - 1e-9);
});

// Thresholds: on this image we measured precision 1.00 with 135 correct (rot90) and 0.965 with 83
// correct (scale 0.5); OpenCV's SIFT on real paintings reaches 0.999 and 0.93
// (tools/validate-keypoints). The bounds leave room for platform float differences but fail on
// any real regression (a broken orientation or descriptor drops precision below 0.3).
test("SIFT matches a textured image to itself rotated by 90 degrees and halved", () => {
  const img = texturedImage(256, 256, 3);
  const rot = selfMatch(img, { name: "rot90", angle: 90, scale: 1 }, (g) => sift(g));
  assert.ok(rot.precision > 0.95 && rot.correct > 100, `rot90: ${JSON.stringify(rot)}`);
  const half = selfMatch(img, { name: "scale0.5", angle: 0, scale: 0.5 }, (g) => sift(g));
  assert.ok(half.precision > 0.85 && half.correct > 50, `scale0.5: ${JSON.stringify(half)}`);
});

test("SIFT matches a real painting to itself rotated and halved", async (t) => {
  const got = await loadTestPainting(256);
  if ("skip" in got) {
    t.skip(got.skip);
    return;
  }
  const { image: img, file } = got;
  const rot = selfMatch(img, { name: "rot90", angle: 90, scale: 1 }, (g) => sift(g));
  const half = selfMatch(img, { name: "scale0.5", angle: 0, scale: 0.5 }, (g) => sift(g));
  t.diagnostic(`${file}: rot90 ${JSON.stringify(rot)}, scale0.5 ${JSON.stringify(half)}`);
  // On 20 paintings at 384 px our SIFT (like OpenCV's) reaches 0.999 (rot90) and 0.93 (scale 0.5).
  assert.ok(rot.precision > 0.95 && rot.correct > 100, `rot90: ${JSON.stringify(rot)}`);
  assert.ok(half.precision > 0.75 && half.correct > 20, `scale0.5: ${JSON.stringify(half)}`);
});


test("SIFT on flat, tiny and thin images returns no keypoints instead of failing", () => {
  const flat = { width: 64, height: 48, data: new Float32Array(64 * 48).fill(0.5) };
  for (const img of [flat, texturedImage(10, 10, 1), texturedImage(200, 12, 1), texturedImage(17, 17, 1)]) {
    const f = sift(img);
    assert.equal(f.descriptors.length, f.keypoints.length * 128);
    if (img === flat) assert.equal(f.keypoints.length, 0);
  }
});
