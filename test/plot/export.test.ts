import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import {
  CHROMIUM_ARGS,
  NO_CHROMIUM_MESSAGE,
  chromiumAvailable,
  chromiumPath,
  closeBrowser,
  decodeDataUrl,
  figureHtml,
  saveFigureHtml,
  saveFigureImage,
} from "../../lib/plot/export.js";
import { barFigure, lineFigure } from "../../lib/plot/figure.js";
import { plotlyVersion } from "../../lib/plot/plotly-source.js";

const noChromium = chromiumAvailable() ? false : "Chromium is not installed (apt-get install chromium): PNG/SVG export not tested";
const fig = lineFigure(
  [
    { name: "generator loss", y: [2.5, 1.75, 1.25] },
    { name: "discriminator loss", y: [0.5, 0.625, 0.75] },
  ],
  { title: "DCGAN losses", xTitle: "epoch" },
);

let dir = "";
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "heritage-export-"));
});
after(async () => {
  await closeBrowser();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("saveFigureHtml", () => {
  it("writes a standalone page with plotly.js inlined and the figure data", async () => {
    const file = await saveFigureHtml(fig, path.join(dir, "sub", "losses.html"));
    const html = await readFile(file, "utf8");
    assert.ok(html.length > 3_000_000, `plotly.js is inlined (${html.length} bytes)`);
    assert.match(html, new RegExp(`plotly\\.js v${plotlyVersion().replace(/\./g, "\\.")}`));
    assert.doesNotMatch(html, /<script[^>]+src=/, "no external scripts: works offline");
    assert.match(html, /<title>DCGAN losses<\/title>/);
    assert.match(html, /"name":"generator loss"/);
    assert.match(html, /\[2\.5,1\.75,1\.25\]/);
    assert.match(html, /Plotly\.newPlot\("figure"/);
  });

  it("rejects something that is not a figure", () => {
    assert.throws(() => figureHtml({} as never), /not a plotly figure/);
  });

  it("decodes both data-URL forms plotly returns", () => {
    assert.equal(decodeDataUrl("data:image/svg+xml,%3Csvg%3E").toString(), "<svg>");
    assert.deepEqual([...decodeDataUrl("data:image/png;base64,AQID")], [1, 2, 3]);
  });
});

describe("saveFigureImage", { skip: noChromium }, () => {
  it("writes a PNG of the requested size times the scale", async () => {
    const file = await saveFigureImage(fig, path.join(dir, "losses.png"), { width: 640, height: 360, scale: 2 });
    const png = await readFile(file);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(png.readUInt32BE(16), 1280);
    assert.equal(png.readUInt32BE(20), 720);
  });

  it("writes an SVG (format from the extension) with the figure's text in it", async () => {
    const file = await saveFigureImage(barFigure([{ name: "PSNR", x: ["clustered", "general"], y: [21, 19] }]), path.join(dir, "bars.svg"), {
      width: 500,
      height: 300,
    });
    const svg = await readFile(file, "utf8");
    assert.match(svg, /^<svg[^>]*width="500"[^>]*height="300"/);
    assert.match(svg, /clustered/);
  });

  it("the standalone HTML draws the figure in a browser with no network", async () => {
    const file = await saveFigureHtml(fig, path.join(dir, "offline.html"));
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: chromiumPath()!, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      await page.route("**/*", (route) => (route.request().url().startsWith("file:") ? route.continue() : route.abort()));
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector(".main-svg", { timeout: 30_000 });
      const traces = await page.locator(".scatterlayer .trace").count();
      assert.equal(traces, 2);
    } finally {
      await browser.close();
    }
  });
});

describe("without Chromium", () => {
  it("says how to install it", async () => {
    const saved = process.env.HERITAGE_CHROMIUM;
    process.env.HERITAGE_CHROMIUM = path.join(dir, "no-such-chromium");
    try {
      assert.equal(chromiumAvailable(), false);
      await closeBrowser();
      await assert.rejects(saveFigureImage(fig, path.join(dir, "x.png")), { message: NO_CHROMIUM_MESSAGE });
    } finally {
      if (saved === undefined) delete process.env.HERITAGE_CHROMIUM;
      else process.env.HERITAGE_CHROMIUM = saved;
    }
  });
});
