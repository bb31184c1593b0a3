/** Hole masks (1 = missing): centre square, random blocks, NTIRE 2022 strokes, simulated damage, files. */
export { centerSquareMask } from "./center.js";
export { randomBlocksMask, type RandomBlocksOptions } from "./blocks.js";
export { strokeMask, STROKE_PRESETS, type StrokeMaskOptions, type StrokeWidth } from "./strokes.js";
export { damageMask, DAMAGE_KINDS, DEFAULT_DAMAGE_FRACTION, type DamageKind, type DamageMaskOptions } from "./damage.js";
export { maskFromImage, loadMask, saveMaskPng, encodeMaskPng, applyMask } from "./io.js";
export { makeMask, generateMask, defaultFraction, MASK_TYPES, type MaskSpec, type MaskType } from "./make.js";
export { maskFraction, emptyMask, resolveSize, type MaskSize } from "./raster.js";
export { drawThickLine, fillRect, fillDisc, fillPolygon } from "./raster.js";
