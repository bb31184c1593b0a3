/**
 * The paper's Table 2 as a figure: one row per painting, columns damaged | general | clustered |
 * classic | original (any list of columns), tiles upscaled for print (Lanczos) with column titles,
 * written as PNG with a DPI tag (default 300 dpi).
 */
import sharp, { type OverlayOptions } from "sharp";
import { writeFileAtomic } from "../util/fs.js";

export interface ComparisonFigureOptions {
  /** Column titles, aligned with each row's image files. */
  titles: string[];
  /** rows[i][j]: PNG file of row i, column j. */
  rows: string[][];
  /** Optional text under each row's first tile (image id). */
  rowLabels?: string[];
  /** Tile side in pixels (default 256: 0.85 in at 300 dpi). */
  tile?: number;
  /** Dots per inch written into the PNG (default 300). */
  dpi?: number;
  /** Gap between tiles in pixels (default 8). */
  gap?: number;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A centred line of text; the font shrinks (DejaVu Sans is about 0.6 em a glyph) until the text fits the width. */
function textSvg(text: string, width: number, height: number, maxSize: number): Buffer {
  const size = Math.max(6, Math.min(maxSize, Math.floor((0.94 * width) / (0.6 * Math.max(1, text.length)))));
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<text x="${width / 2}" y="${height * 0.7}" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="${size}">${escapeXml(text)}</text></svg>`,
  );
}

/** Build the figure and write it to `file` (PNG). Returns the pixel size. */
export async function saveComparisonFigure(file: string, o: ComparisonFigureOptions): Promise<{ width: number; height: number }> {
  const tile = o.tile ?? 256;
  const gap = o.gap ?? 8;
  const cols = o.titles.length;
  if (o.rows.length === 0) throw new Error("comparison figure: no rows");
  for (const [i, r] of o.rows.entries()) {
    if (r.length !== cols) throw new Error(`comparison figure: row ${i} has ${r.length} images for ${cols} titles`);
  }
  const header = Math.round(tile * 0.18);
  const footer = o.rowLabels ? Math.round(tile * 0.12) : 0;
  const width = cols * tile + (cols + 1) * gap;
  const rowH = tile + footer + gap;
  const height = header + o.rows.length * rowH + gap;
  const layers: OverlayOptions[] = [];
  o.titles.forEach((t, j) => {
    layers.push({ input: textSvg(t, tile, header, Math.round(header * 0.45)), left: gap + j * (tile + gap), top: 0 });
  });
  for (const [i, r] of o.rows.entries()) {
    const top = header + i * rowH;
    for (const [j, f] of r.entries()) {
      const buf = await sharp(f).resize(tile, tile, { kernel: "lanczos3", fit: "fill" }).png().toBuffer();
      layers.push({ input: buf, left: gap + j * (tile + gap), top });
    }
    if (o.rowLabels?.[i]) {
      layers.push({ input: textSvg(o.rowLabels[i]!, width - 2 * gap, footer, Math.round(footer * 0.6)), left: gap, top: top + tile });
    }
  }
  const png = await sharp({ create: { width, height, channels: 3, background: "#ffffff" } })
    .composite(layers)
    .withMetadata({ density: o.dpi ?? 300 })
    .png()
    .toBuffer();
  await writeFileAtomic(file, png);
  return { width, height };
}
