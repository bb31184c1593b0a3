import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createImage } from "../../lib/data/image.js";
import { describeFigure, figureDivHtml, formatCell, inNotebook, pngSize, tableHtml, tableText } from "../../lib/plot/display.js";
import { lineFigure } from "../../lib/plot/figure.js";
import { detectRange, imageToPng, toBytes } from "../../lib/plot/png.js";

describe("tables", () => {
  const rows = [
    { method: "clustered <GAN>", psnr: 21.234567, n: 12 },
    { method: "telea", psnr: 19.5, extra: [1, 2] },
  ];
  it("HTML escapes text, rounds numbers and lists every column", () => {
    const html = tableHtml(rows, { caption: "PSNR" });
    assert.match(html, /<caption[^>]*>PSNR<\/caption>/);
    assert.deepEqual([...html.matchAll(/<th[^>]*>([^<]*)<\/th>/g)].map((m) => m[1]), ["method", "psnr", "n", "extra"]);
    assert.match(html, /clustered &lt;GAN&gt;/);
    assert.match(html, /<td class="heritage-num" style="text-align:right[^"]*">21\.23<\/td>/);
    assert.match(html, /\[1,2\]/);
  });
  it("HTML left-aligns text columns (wrapping, with a minimum width) and right-aligns number columns", () => {
    const html = tableHtml([
      { id: "vgg16", available: false, what: "VGG16 ImageNet (Keras), last conv layer", dim: 512 },
      { id: "sift-bovw", available: true, what: "SIFT bag of visual words", dim: "" },
    ]);
    const th = [...html.matchAll(/<th style="text-align:(\w+)">([^<]*)<\/th>/g)].map((m) => `${m[2]}:${m[1]}`);
    assert.deepEqual(th, ["id:left", "available:left", "what:left", "dim:right"]);
    const first = [...html.split("<tr>")[2]!.matchAll(/<td([^>]*)>([^<]*)<\/td>/g)].map((m) => [m[2], m[1]]);
    assert.match(first[0]![1]!, /text-align:left;min-width:9ch;overflow-wrap:anywhere/);
    assert.match(first[1]![1]!, /text-align:left/, "booleans are labels, not numbers");
    assert.match(first[2]![1]!, /min-width:30ch/, "a long text column keeps 30 characters of width");
    assert.match(first[3]![1]!, /class="heritage-num" style="text-align:right/);
  });
  it("text form lines up columns and says how many rows are hidden", () => {
    const text = tableText(rows, { maxRows: 1, digits: 3 });
    assert.deepEqual(text.split("\n"), [
      "method           psnr  n   extra",
      "---------------  ----  --  -----",
      "clustered <GAN>  21.2  12",
      "... 1 more rows",
    ]);
  });
  it("formats cells", () => {
    assert.equal(formatCell(1 / 3, 3), "0.333");
    assert.equal(formatCell(12345678), "12345678");
    assert.equal(formatCell(null), "");
    assert.equal(formatCell(new Float32Array([1, 2])), "[1,2]");
  });
});

describe("figures and images", () => {
  it("figure HTML cannot be broken out of by data and waits for plotly", () => {
    const fig = lineFigure([{ name: "</script><b>x", y: [1] }]);
    const html = figureDivHtml(fig, { id: "f1" });
    assert.equal(html.split("</script>").length, 2, "only the closing tag of the drawing script");
    assert.match(html, /\\u003c\/script\\u003e/);
    assert.match(html, /<div id="f1"/);
    assert.doesNotMatch(html, /plotly\.js v\d/, "plotly is not inlined unless asked");
    assert.match(figureDivHtml(fig, { withPlotly: true }), /plotly\.js v\d/);
    assert.equal(describeFigure(lineFigure([{ name: "a", y: [1] }], { title: "T" })), '[Figure "T": 1 trace (scatter)]');
  });

  it("is not in a notebook in a test process", () => {
    assert.equal(inNotebook(), false);
  });

  it("encodes ImageArrays as PNG in all three value ranges", async () => {
    const img = createImage(5, 3, 3);
    img.data[0] = -1; // signed range
    assert.equal(detectRange(img), "signed");
    assert.deepEqual([...toBytes({ ...img, data: new Float32Array([-1, 0, 1]) }, "signed")], [0, 128, 255]);
    assert.deepEqual([...toBytes({ ...img, data: new Float32Array([0, 0.5, 2]) }, "unit")], [0, 128, 255]);
    assert.deepEqual([...toBytes({ ...img, data: new Float32Array([-3, 100, 300]) }, "byte")], [0, 100, 255]);
    const png = await imageToPng(img);
    assert.deepEqual(pngSize(png), { width: 5, height: 3 });
    const grey = await imageToPng(createImage(2, 7, 1, 0.25));
    assert.deepEqual(pngSize(grey), { width: 2, height: 7 });
    await assert.rejects(imageToPng({ width: 2, height: 2, channels: 3, data: new Float32Array(5) }), /5 values, expected 2x2x3/);
  });
});
