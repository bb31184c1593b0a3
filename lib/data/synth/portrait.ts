/**
 * Dark-ground portrait (Rembrandt, Northern Renaissance, Baroque): a near-black or umber ground
 * with a soft glow behind the sitter, dark clothing with an optional white collar, a lit face
 * modelled by a directional light on an ellipsoid (chiaroscuro), hair or a cap, and hints of eyes,
 * nose and mouth. Variation: ground colour, light side and strength, head size, place and tilt,
 * skin tone, clothing colour, collar, hat, three-quarter turn.
 */
import type { Rng } from "../../util/random.js";
import type { Canvas } from "./canvas.js";
import { hex, hsl, jitter, mix, pick, scale, type RGB } from "./color.js";
import { fbm } from "./noise.js";

const GROUNDS = ["#1a140f", "#2a2118", "#14181a", "#2b2a1c", "#3a2a1c", "#0d0d0d", "#23301f"];
const SKINS = ["#e8c4a0", "#d9a98a", "#c68e6b", "#f0d2b8", "#b57a55", "#e0b48f"];
const CLOTHES = ["#151515", "#2a1d14", "#5c1a16", "#1c2738", "#3b3b2a", "#6b4a2a", "#202a20"];
const HAIRS = ["#1b120c", "#3a2516", "#6b4a2e", "#a88a5e", "#c9c2b5", "#2a2a2a"];

export function renderPortrait(c: Canvas, rng: Rng): void {
  const ground = jitter(hex(pick(rng, GROUNDS)), rng, 0.03, 0.1, 0.04);
  const glowCol = mix(ground, hex("#8a6a40"), rng.uniform(0.15, 0.5));
  const lightSide = rng.next() < 0.7 ? -1 : 1; // light from the left mostly
  const hx = 0.5 + rng.uniform(-0.1, 0.1);
  const hy = rng.uniform(0.28, 0.42);
  const hr = rng.uniform(0.11, 0.18); // head half-width
  const tilt = rng.normal() * 0.08;
  const turn = rng.uniform(-0.35, 0.35); // three-quarter view offset of features
  const noise = fbm(rng, 4);
  const glowX = hx + lightSide * -0.1 + rng.uniform(-0.1, 0.1);
  c.shade((x, y, rgb) => {
    const dx = x - glowX;
    const dy = y - hy;
    const g = Math.exp(-(dx * dx + dy * dy) / 0.08);
    const n = (noise(x * 5, y * 5) - 0.5) * 0.08;
    const col = mix(ground, glowCol, g * 0.8);
    rgb[0] = col[0] + n;
    rgb[1] = col[1] + n;
    rgb[2] = col[2] + n;
  });

  // torso: a wide rounded trapezoid from the shoulders to the bottom edge
  const clothes = jitter(hex(pick(rng, CLOTHES)), rng, 0.02, 0.1, 0.05);
  const shoulderY = hy + hr * rng.uniform(1.7, 2.2);
  const shoulderW = hr * rng.uniform(2.6, 3.6);
  const torso: number[] = [];
  for (let i = 0; i <= 20; i++) {
    const a = Math.PI + (i / 20) * Math.PI; // top half of an ellipse
    torso.push(hx + Math.cos(a) * shoulderW, shoulderY + Math.sin(a) * hr * 0.9);
  }
  torso.push(hx + shoulderW * 1.15, 1.05, hx - shoulderW * 1.15, 1.05);
  c.fillPolygon(torso, clothes);
  // folds of the clothing: soft darker and lighter strokes
  for (let i = 0; i < 25; i++) {
    const x = hx + rng.uniform(-1, 1) * shoulderW;
    const y = rng.uniform(shoulderY, 1);
    const lit = (x - hx) * -lightSide > 0;
    const col = scale(clothes, lit ? rng.uniform(1.2, 1.8) : rng.uniform(0.4, 0.8));
    c.stroke(x, y, x + rng.normal() * 0.03, y + rng.uniform(0.05, 0.15), rng.uniform(0.01, 0.03), col, 0.35, { taper: 0.2 });
  }
  // collar
  const collar = rng.int(3); // 0 none, 1 white flat collar, 2 ruff
  const white = hsl(0.1, 0.15, rng.uniform(0.82, 0.93));
  if (collar === 1) {
    c.fillEllipse(hx, shoulderY - hr * 0.55, hr * 1.3, hr * 0.45, 0, white);
  } else if (collar === 2) {
    for (let k = 0; k < 14; k++) {
      const a = (k / 14) * Math.PI * 2;
      c.fillEllipse(hx + Math.cos(a) * hr * 0.9, shoulderY - hr * 0.7 + Math.sin(a) * hr * 0.3, hr * 0.35, hr * 0.22, a, scale(white, 0.8 + 0.2 * ((k % 2) as number)));
    }
  }
  // neck
  const skin = jitter(hex(pick(rng, SKINS)), rng, 0.015, 0.08, 0.05);
  c.fillRect(hx - hr * 0.45, hy + hr * 0.8, hx + hr * 0.45, shoulderY - hr * 0.5, scale(skin, 0.55));
  // hair behind the head
  const hair = jitter(hex(pick(rng, HAIRS)), rng, 0.02, 0.1, 0.05);
  const long = rng.next() < 0.4;
  c.fillEllipse(hx, hy - hr * 0.1, hr * 1.18, hr * 1.35, tilt, hair);
  if (long) {
    // locks falling beside the face onto the shoulders
    for (const side of [-1, 1]) {
      c.fillEllipse(hx + side * hr * 0.95, hy + hr * 0.9, hr * 0.42, hr * 1.3, side * 0.15 + tilt, hair);
    }
  }
  // face: ellipsoid shading with a directional light
  const ry = hr * rng.uniform(1.25, 1.45);
  const lx = lightSide * -0.6;
  const ly = -0.45;
  const lz = Math.sqrt(Math.max(0, 1 - lx * lx - ly * ly));
  const contrast = rng.uniform(0.8, 1.6);
  const shadowCol = mix(skin, ground, 0.6);
  const cos = Math.cos(tilt);
  const sin = Math.sin(tilt);
  const cx = hx * c.w;
  const cy = hy * c.h;
  c.shade((x, y, rgb) => {
    const dx = x * c.w - cx;
    const dy = y * c.h - cy;
    const v = (-dx * sin + dy * cos) / (ry * c.w);
    const u = (dx * cos + dy * sin) / (hr * c.w * (1 - 0.18 * Math.max(0, v))); // narrower toward the chin
    const d2 = u * u + v * v;
    if (d2 >= 1) return;
    const nz = Math.sqrt(1 - d2);
    const lam = Math.max(0, u * lx + v * ly + nz * lz);
    const t = Math.pow(lam, 1 + contrast);
    const col = mix(shadowCol, mix(skin, [1, 0.95, 0.88], 0.15), t);
    const edge = d2 > 0.9 ? (1 - d2) / 0.1 : 1;
    rgb[0] += (col[0] - rgb[0]) * edge;
    rgb[1] += (col[1] - rgb[1]) * edge;
    rgb[2] += (col[2] - rgb[2]) * edge;
  });
  // hair on top of the forehead, or a dark cap / broad hat
  const hat = rng.int(3); // 0 hair only, 1 cap, 2 broad hat
  if (hat === 0) c.fillEllipse(hx, hy - ry * 0.75, hr * 1.05, ry * 0.42, tilt, hair);
  else if (hat === 1) c.fillEllipse(hx, hy - ry * 0.78, hr * 1.15, ry * 0.45, tilt + rng.normal() * 0.1, scale(clothes, 0.8));
  else {
    c.fillEllipse(hx, hy - ry * 0.8, hr * 2.1, hr * 0.35, tilt, scale(clothes, 0.7));
    c.fillEllipse(hx, hy - ry * 1.05, hr * 1.05, hr * 0.6, tilt, scale(clothes, 0.7));
  }
  // features (rotated with the head, shifted by the turn)
  const at = (u: number, v: number): [number, number] => {
    const px = (u + turn * 0.35) * hr;
    const py = v * ry;
    return [hx + px * cos - py * sin, hy + px * sin + py * cos];
  };
  const dark = mix(skin, [0.1, 0.05, 0.03], 0.75);
  // warm cheeks and a shadow under the brow ridge / nose on the side away from the light
  for (const side of [-1, 1]) {
    const [qx, qy] = at(side * 0.45, 0.3);
    c.fillEllipse(qx, qy, hr * 0.22, hr * 0.16, tilt, hex("#c0604a"), 0.12, 0.9);
  }
  const [sx, sy] = at(lightSide * 0.12, 0.15);
  c.fillEllipse(sx, sy, hr * 0.09, hr * 0.25, tilt, dark, 0.25, 0.8);
  for (const side of [-1, 1]) {
    const [ex, ey] = at(side * 0.38, -0.08);
    const er = hr * 0.17 * (1 - turn * side * 0.4);
    c.fillEllipse(ex, ey + er * 0.2, er * 1.4, er * 0.9, tilt, mix(skin, dark, 0.45)); // socket
    c.fillEllipse(ex, ey, er * 0.9, er * 0.45, tilt, dark);
    c.fillEllipse(ex + er * 0.25 * -lightSide, ey - er * 0.1, er * 0.2, er * 0.2, 0, [0.95, 0.92, 0.88], 0.8); // catch-light
    const [bx, by] = at(side * 0.38, -0.26);
    c.stroke(bx - hr * 0.15, by, bx + hr * 0.15, by - hr * 0.02 * side, hr * 0.06, mix(hair, skin, 0.3), 0.8, { taper: 0.3 });
  }
  const [nx0, ny0] = at(0.02, -0.05);
  const [nx1, ny1] = at(0.05 - lightSide * 0.06, 0.28);
  c.stroke(nx0, ny0, nx1, ny1, hr * 0.1, mix(skin, dark, 0.35), 0.5, { taper: 0.3 });
  const [mx, my] = at(0.02, 0.52);
  c.stroke(mx - hr * 0.22, my, mx + hr * 0.22, my + hr * 0.01, hr * 0.07, mix(skin, hex("#7a2a22"), 0.6), 0.9, { taper: 0.2 });
  // varnish glaze toward the ground at the borders, painterly dabs on the ground
  for (let i = 0; i < 120; i++) {
    const x = rng.next();
    const y = rng.next();
    const base = c.sample(x, y);
    const col = mix(base, rng.next() < 0.5 ? ground : glowCol, 0.3);
    const a = rng.uniform(0, Math.PI);
    const l = rng.uniform(0.03, 0.08);
    c.stroke(x, y, x + Math.cos(a) * l, y + Math.sin(a) * l, l * 0.5, col, 0.2, { bristle: 0.6, bristlePhase: rng.next(), taper: 0.4 });
  }
}
