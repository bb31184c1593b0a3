/**
 * The shapes of a finished run's summary.json (what `heritage run` returns): types only, in their
 * own module so run.ts, report.ts and views.ts import them without importing each other.
 */
import type { StudySummary } from "../study/run-study.js";
import type { KidStageResult } from "./kid-stage.js";
import type { RunRecord } from "./record.js";

export interface SweepRow {
  k: number;
  method: string;
  gans: number;
  trainSeconds: number;
  psnrHole: number;
  ssimHole: number;
  l1Hole: number;
  routingAccuracy: number | null;
}

export interface RunSummary {
  runDir: string;
  record: RunRecord;
  data: {
    dir: string;
    images: number;
    train: number;
    test: number;
    /** Validation images held out from training (data.validationFraction; absent in older runs). */
    validation?: number;
    labels: string[];
    /** Listed files left out before the split, by reason (relative paths; see lib/data/screen.ts). */
    leftOut?: { undecodable: string[]; tooSmall: string[]; flat: string[] };
  };
  clusterings: { k: number; sizes: number[]; metrics: Record<string, number | null>; file: string }[];
  training: { name: string; images: number; epochs: number; seconds: number; warnings: string[] }[];
  study: StudySummary;
  /** KID of every GAN against real paintings (null when study.kidSamples = 0); see ./kid-stage.ts. */
  kid: KidStageResult | null;
  routingAccuracy: Record<string, number>;
  sweep: SweepRow[];
  stageSeconds: Record<string, number>;
  files: Record<string, string>;
}
