import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { decodeImage, decodeImageBuffer, probeImage } from "../../lib/data/decode.js";
import { channelMeans, fromRaw, near, pixel, rgbPixels, tempDir, writeFile } from "./helpers.js";

const dir = tempDir();
// 48 x 32 picture: left third red, middle third green, right third blue
const thirds = rgbPixels(48, 32, (x) => (x < 16 ? [255, 0, 0] : x < 32 ? [0, 255, 0] : [0, 0, 255]));

test("JPEG: centre crop to a square, resize, values in [-1, 1]", async () => {
  const f = await writeFile(path.join(dir, "thirds.jpg"), await fromRaw(thirds, 48, 32).jpeg({ quality: 95 }).toBuffer());
  const img = await decodeImage(f, 8);
  assert.equal(img.width, 8);
  assert.equal(img.height, 8);
  assert.equal(img.channels, 3);
  assert.equal(img.data.length, 8 * 8 * 3);
  for (const v of img.data) assert.ok(v >= -1 && v <= 1);
  // the 32x32 centre crop spans x 8..40: red | green | blue in quarters/halves; the centre is green
  near(pixel(img, 3, 4), [-1, 1, -1], 0.15, "centre pixel");
  near(pixel(img, 4, 4), [-1, 1, -1], 0.15, "centre pixel");
  assert.ok(pixel(img, 0, 4)[0]! > 0.5, "left edge of the crop is red");
  assert.ok(pixel(img, 7, 4)[2]! > 0.5, "right edge of the crop is blue");
});

test("PNG 8-bit RGB is exact on a solid colour; unit range option", async () => {
  const solid = rgbPixels(10, 10, () => [51, 102, 204]);
  const f = await writeFile(path.join(dir, "solid.png"), await fromRaw(solid, 10, 10).png().toBuffer());
  const img = await decodeImage(f, 4);
  near(channelMeans(img), [(51 / 255) * 2 - 1, (102 / 255) * 2 - 1, (204 / 255) * 2 - 1], 1e-5, "signed");
  const unit = await decodeImage(f, 4, { range: "unit" });
  near(channelMeans(unit), [51 / 255, 102 / 255, 204 / 255], 1e-5, "unit");
});

test("PNG 16-bit keeps 16-bit precision (grey and RGB)", async () => {
  const g = new Uint16Array(6 * 6).fill(1000);
  const grey16 = await fromRaw(g, 6, 6, 1).toColourspace("grey16").png().toBuffer();
  const f = await writeFile(path.join(dir, "grey16.png"), grey16);
  const probe = await probeImage(f);
  assert.equal(probe.depth, "ushort");
  const img = await decodeImage(f, 4, { range: "unit" });
  // 8-bit decoding would give round(1000/257)/255 = 0.01569; 16-bit gives 1000/65535 = 0.01526
  near(channelMeans(img), [1000 / 65535, 1000 / 65535, 1000 / 65535], 2e-5, "grey16 to RGB");
  const rgb = new Uint16Array(6 * 6 * 3);
  for (let i = 0; i < 36; i++) rgb.set([65535, 30000, 100], i * 3);
  const rgb16 = await fromRaw(rgb, 6, 6, 3).toColourspace("rgb16").png().toBuffer();
  const f2 = await writeFile(path.join(dir, "rgb16.png"), rgb16);
  near(channelMeans(await decodeImage(f2, 3, { range: "unit" })), [1, 30000 / 65535, 100 / 65535], 2e-5, "rgb16");
  // 16-bit with alpha: transparent pixels still flatten onto white
  const rgba = new Uint16Array(6 * 6 * 4);
  for (let i = 0; i < 36; i++) rgba.set([1000, 2000, 3000, i < 18 ? 65535 : 0], i * 4);
  const rgba16 = await fromRaw(rgba, 6, 6, 4).toColourspace("rgb16").png().toBuffer();
  const f3 = await writeFile(path.join(dir, "rgba16.png"), rgba16);
  const img3 = await decodeImage(f3, 6, { range: "unit", kernel: "nearest" });
  near(pixel(img3, 2, 1), [1000 / 65535, 2000 / 65535, 3000 / 65535], 2e-5, "opaque 16-bit");
  near(pixel(img3, 2, 5), [1, 1, 1], 2e-5, "transparent 16-bit -> white");
});

test("grayscale PNG becomes 3 equal channels", async () => {
  const grey = Buffer.alloc(8 * 8, 128);
  const f = await writeFile(path.join(dir, "grey.png"), await fromRaw(grey, 8, 8, 1).png().toBuffer());
  const img = await decodeImage(f, 8);
  near(channelMeans(img), [(128 / 255) * 2 - 1, (128 / 255) * 2 - 1, (128 / 255) * 2 - 1], 1e-5, "grey");
});

test("alpha is flattened onto white by default, or onto the given background", async () => {
  // left half opaque red, right half fully transparent (colour underneath: black)
  const w = 16;
  const rgba = Buffer.alloc(w * w * 4);
  for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) rgba.set(x < w / 2 ? [255, 0, 0, 255] : [0, 0, 0, 0], (y * w + x) * 4);
  const f = await writeFile(path.join(dir, "alpha.png"), await fromRaw(rgba, w, w, 4).png().toBuffer());
  const img = await decodeImage(f, 16, { kernel: "nearest" });
  near(pixel(img, 2, 8), [1, -1, -1], 1e-5, "opaque red");
  near(pixel(img, 13, 8), [1, 1, 1], 1e-5, "transparent -> white");
  const onBlack = await decodeImage(f, 16, { kernel: "nearest", background: [0, 0, 0] });
  near(pixel(onBlack, 13, 8), [-1, -1, -1], 1e-5, "transparent -> black");
  // grey + alpha
  const ga = Buffer.alloc(w * w * 2);
  for (let i = 0; i < w * w; i++) ga.set([64, 0], i * 2);
  const f2 = await writeFile(path.join(dir, "grey-alpha.png"), await fromRaw(ga, w, w, 2).png().toBuffer());
  near(channelMeans(await decodeImage(f2, 4)), [1, 1, 1], 1e-5, "transparent grey");
});

test("WebP (lossless) and TIFF decode", async () => {
  const px = rgbPixels(12, 12, () => [10, 200, 90]);
  const webp = await writeFile(path.join(dir, "x.webp"), await fromRaw(px, 12, 12).webp({ lossless: true }).toBuffer());
  near(channelMeans(await decodeImage(webp, 6, { range: "unit" })), [10 / 255, 200 / 255, 90 / 255], 1e-5, "webp");
  const tif = await writeFile(path.join(dir, "x.tiff"), await fromRaw(px, 12, 12).tiff().toBuffer());
  near(channelMeans(await decodeImage(tif, 6, { range: "unit" })), [10 / 255, 200 / 255, 90 / 255], 1e-5, "tiff");
});

test("palette PNG, GIF, AVIF and CMYK JPEG decode to sRGB", async () => {
  const px = rgbPixels(16, 16, () => [200, 60, 30]);
  const want = [200 / 255, 60 / 255, 30 / 255];
  const pal = await writeFile(path.join(dir, "pal.png"), await fromRaw(px, 16, 16).png({ palette: true }).toBuffer());
  near(channelMeans(await decodeImage(pal, 4, { range: "unit" })), want, 1e-5, "palette png");
  const gif = await writeFile(path.join(dir, "x.gif"), await fromRaw(px, 16, 16).gif().toBuffer());
  near(channelMeans(await decodeImage(gif, 4, { range: "unit" })), want, 1e-5, "gif");
  const avif = await writeFile(path.join(dir, "x.avif"), await fromRaw(px, 16, 16).avif({ lossless: true }).toBuffer());
  near(channelMeans(await decodeImage(avif, 4, { range: "unit" })), want, 1e-5, "avif");
  const cmyk = await writeFile(path.join(dir, "cmyk.jpg"), await fromRaw(px, 16, 16).toColourspace("cmyk").jpeg({ quality: 100 }).toBuffer());
  assert.equal((await probeImage(cmyk)).channels, 4);
  near(channelMeans(await decodeImage(cmyk, 4, { range: "unit" })), want, 0.15, "cmyk jpeg (profile-less CMYK round trip is approximate)");
});

test("EXIF orientation is applied before cropping", async () => {
  // stored 40 x 20: left half red, right half blue; orientation 6 = display rotated 90 degrees clockwise,
  // so the displayed picture is 20 x 40 with red on top and blue at the bottom
  const px = rgbPixels(40, 20, (x) => (x < 20 ? [255, 0, 0] : [0, 0, 255]));
  const jpg = await fromRaw(px, 40, 20).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
  const f = await writeFile(path.join(dir, "rotated.jpg"), jpg);
  const probe = await probeImage(f);
  assert.deepEqual([probe.width, probe.height], [20, 40]);
  const img = await decodeImage(f, 8);
  assert.ok(pixel(img, 4, 0)[0]! > 0.6 && pixel(img, 4, 0)[2]! < -0.6, "top is red");
  assert.ok(pixel(img, 4, 7)[2]! > 0.6 && pixel(img, 4, 7)[0]! < -0.6, "bottom is blue");
});

test("bad files throw errors naming the file and the problem", async () => {
  const good = await fromRaw(rgbPixels(64, 64, (x, y) => [(x * 37) % 256, (y * 91) % 256, (x * y) % 256]), 64, 64).jpeg().toBuffer();
  const truncated = await writeFile(path.join(dir, "truncated.jpg"), good.subarray(0, good.length >> 1));
  await assert.rejects(decodeImage(truncated, 8), (e: Error) => e.message.includes("truncated.jpg") && /premature end|cannot decode/i.test(e.message));
  const text = await writeFile(path.join(dir, "notes.png"), "this is not an image\n");
  await assert.rejects(decodeImage(text, 8), (e: Error) => e.message.includes("notes.png") && /unsupported image format/.test(e.message));
  const empty = await writeFile(path.join(dir, "empty.webp"), "");
  await assert.rejects(decodeImage(empty, 8), /empty\.webp: cannot decode image: the file is empty/);
  await assert.rejects(decodeImage(path.join(dir, "missing.jpg"), 8), /missing\.jpg: cannot read: ENOENT/);
  await assert.rejects(decodeImageBuffer(good, 0), /size must be an integer/);
});
