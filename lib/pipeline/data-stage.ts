/**
 * Data stage: make the embedded synthetic dataset when the config asks for it, list the dataset,
 * screen out what cannot be studied (undecodable, too small, flat: lib/data/screen.ts; each named),
 * optionally subsample the rest (stratified), and split it into train and held-out test sets (and,
 * with data.validationFraction, a validation set taken from the non-test images). The
 * split is written to split.json so every later stage (and a rerun) uses the same images; it holds
 * usable images only, so removing a bad file afterwards changes nothing.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { ExperimentConfig } from "../config/experiment.js";
import { listDataset, type DatasetItem } from "../data/dataset.js";
import { describeScreen, screenImages, type ScreenedOut } from "../data/screen.js";
import { trainTestSplit } from "../data/split.js";
import { writeSynthDataset } from "../data/synth/index.js";
import { readJson, writeJsonAtomic } from "../util/fs.js";
import { info, warn } from "../util/log.js";
import { projectRoot } from "../util/paths.js";
import { createRng, shuffled } from "../util/random.js";
import { asLayout, type RunDirOrLayout } from "./layout.js";
import { reuseOrRefuse, type StageRecord } from "./record.js";

/** split.json: the split, and what it was made from (`made`; absent in splits written before it was recorded). */
export interface SplitFile {
  dir: string;
  train: string[];
  test: string[];
  /** Held out from training for choosing settings (absent in splits written before it existed: none). */
  validation?: string[];
  made?: SplitSettings;
}

/** The settings a split depends on (besides the images and their folder). */
export interface SplitSettings {
  seed: number;
  testFraction: number;
  limit: number;
  /** Share of the non-test images held out as validation (0: none; absent in older splits, meaning 0). */
  validationFraction: number;
}

/** What a split is made from: the dataset folder, the usable images (sorted ids) and the settings. */
export function splitRecord(dir: string, ids: readonly string[], made: SplitSettings): StageRecord {
  return { dir, images: [...ids].sort(), ...made };
}

export interface DataStageResult {
  dir: string;
  items: DatasetItem[];
  train: DatasetItem[];
  test: DatasetItem[];
  /** Held out from training for choosing settings (empty unless data.validationFraction > 0). */
  validation: DatasetItem[];
  labels: string[];
  /** Images of the listing left out before the split (see lib/data/screen.ts), with the reason. */
  leftOut: { undecodable: ScreenedOut[]; tooSmall: ScreenedOut[]; flat: ScreenedOut[] };
}

export function resolveDataDir(cfg: ExperimentConfig, override?: string): string {
  const dir = override ?? cfg.data.dir;
  return path.isAbsolute(dir) ? dir : path.join(projectRoot(), dir);
}

/** Keep at most `limit` items, the same share of each label (deterministic in seed). */
export function stratifiedSubset(items: readonly DatasetItem[], limit: number, seed: number): DatasetItem[] {
  if (limit <= 0 || limit >= items.length) return items.slice();
  const byLabel = new Map<string, DatasetItem[]>();
  for (const it of items) {
    const k = it.label ?? "";
    if (!byLabel.has(k)) byLabel.set(k, []);
    byLabel.get(k)!.push(it);
  }
  const rng = createRng(seed);
  const keep = new Set<string>();
  for (const group of byLabel.values()) {
    const n = Math.max(1, Math.round((group.length * limit) / items.length));
    for (const it of shuffled(group, rng).slice(0, n)) keep.add(it.id);
  }
  return items.filter((it) => keep.has(it.id));
}

export async function dataStage(cfg: ExperimentConfig, run: RunDirOrLayout, dataDirOverride?: string): Promise<DataStageResult> {
  const dir = resolveDataDir(cfg, dataDirOverride);
  if (cfg.data.source === "synthetic" && !dataDirOverride) {
    const res = await writeSynthDataset({ out: dir, perStyle: cfg.data.perStyle, size: cfg.data.synthSize, seed: cfg.seed });
    info(`data: synthetic dataset in ${dir} (${res.count} paintings)`);
  } else if (!existsSync(dir)) {
    throw new Error(`data folder ${dir} does not exist (config data.dir or --data)`);
  }
  const listing = await listDataset(dir);
  const screen = await screenImages(listing.items, { label: "data: check images" });
  for (const line of describeScreen(screen, listing.items.length)) warn(`data: ${line}`);
  const items = stratifiedSubset(screen.usable, cfg.data.limit, cfg.seed);
  if (items.length < 4) {
    const left = listing.items.length - screen.usable.length;
    throw new Error(`${dir}: only ${items.length} usable images${left ? ` (${left} of ${listing.items.length} left out, named above)` : ""}; the study needs at least 4`);
  }
  const splitFile = asLayout(run).split;
  const made: SplitSettings = { seed: cfg.seed, testFraction: cfg.data.testFraction, limit: cfg.data.limit, validationFraction: cfg.data.validationFraction };
  let train: DatasetItem[];
  let test: DatasetItem[];
  let validation: DatasetItem[];
  const byId = new Map(items.map((i) => [i.id, i]));
  if (existsSync(splitFile)) {
    const saved = await readJson<SplitFile>(splitFile);
    const savedValidation = saved.validation ?? [];
    // splits written before `made` was recorded are checked on their folder and images only;
    // those written before validation sets existed had none
    const savedMade: SplitSettings = saved.made ? { ...saved.made, validationFraction: saved.made.validationFraction ?? 0 } : ({} as SplitSettings);
    const recorded = splitRecord(saved.dir, [...saved.train, ...saved.test, ...savedValidation], savedMade);
    reuseOrRefuse("split", splitFile, recorded, splitRecord(dir, items.map((i) => i.id), made), { legacy: ["seed", "testFraction", "limit", "validationFraction"] });
    train = saved.train.map((id) => byId.get(id)!);
    test = saved.test.map((id) => byId.get(id)!);
    validation = savedValidation.map((id) => byId.get(id)!);
  } else {
    ({ train, test, validation } = splitThree(items, cfg.data.testFraction, cfg.data.validationFraction, cfg.seed));
    const file: SplitFile = { dir, train: train.map((i) => i.id), test: test.map((i) => i.id), ...(validation.length ? { validation: validation.map((i) => i.id) } : {}), made };
    await writeJsonAtomic(splitFile, file);
  }
  const val = validation.length ? ` / ${validation.length} validation` : "";
  info(`data: ${items.length} images (${listing.labels.length} labels), ${train.length} train / ${test.length} held out${val}`);
  const leftOut = { undecodable: screen.undecodable, tooSmall: screen.tooSmall, flat: screen.flat };
  return { dir, items, train, test, validation, labels: listing.labels, leftOut };
}

/**
 * Test set first (so a validation share never changes the test set of the same seed and
 * testFraction), then the validation set from what remains (its own seed stream); both stratified.
 */
export function splitThree<T extends { label?: string | null }>(items: readonly T[], testFraction: number, validationFraction: number, seed: number): { train: T[]; test: T[]; validation: T[] } {
  const { train: rest, test } = trainTestSplit(items, { testFraction, seed, stratify: true });
  if (validationFraction <= 0) return { train: rest, test, validation: [] };
  const { train, test: validation } = trainTestSplit(rest, { testFraction: validationFraction, seed: seed + 1, stratify: true });
  return { train, test, validation };
}
