/**
 * The run loop shared by every harvester: walk the source's candidates, skip what the journal
 * says is complete (or rejected for good), resolve the rest, download each image through the
 * polite client, verify it decodes, write it atomically as `<out>/<label>/<id>.<ext>`, journal it,
 * and keep `<out>/manifest.csv` in step. Stops when the folder holds `limit` images of this source.
 *
 * Resumable: a rerun (after a kill, a crash or Ctrl-C) skips complete ids without any request,
 * re-downloads done entries whose file went missing, retries transient failures, and removes
 * `.part` files left in `<out>/.harvest/tmp`.
 */
import { constants as fsConstants, promises as fsp, statSync } from "node:fs";
import path from "node:path";
import { sha256 } from "../util/fs.js";
import { info, warn } from "../util/log.js";
import { progress } from "../util/progress.js";
import { HttpError, type PoliteClient } from "./http.js";
import { Journal, acquireLock } from "./journal.js";
import { manifestPath, readKeptRows, writeManifest, type HarvestRecord, type KeptRows } from "./manifest.js";
import { rawLabel, type Candidate, type HarvestSource, type LabelBy } from "./source.js";
import { cleanPartials, harvestId, safeLabel, verifyImage, writeImageAtomic } from "./store.js";

/** Options of {@link runHarvest}. */
export interface RunOptions {
  /** Output folder (created). Holds `<label>/<id>.<ext>`, `manifest.csv` and `.harvest/`. */
  outDir: string;
  /** Images of this source the folder should hold when the run ends (counting earlier runs). Range 1-1e6; default 100. */
  limit?: number;
  /** Field that becomes the class folder; default: the source's own (style for WikiArt, classification otherwise). */
  labelBy?: LabelBy;
  /** Ask again about records an earlier run rejected for good (e.g. after changing filters). Default false. */
  retryRejected?: boolean;
  /** Rewrite manifest.csv after this many new images (and always at the end). Range 1-1000; default 10. */
  manifestEvery?: number;
  /** Records processed at the same time (overlaps network latency; requests per second stay bounded by the client). Range 1-16; default 1. */
  concurrency?: number;
  /** Give up the run after this many failures in a row (the service is probably down). Default 25. */
  maxConsecutiveFailures?: number;
  /** Draw a progress bar (default: on a TTY). */
  progressBar?: boolean;
  /** Called after each record is decided (notebooks use it for live counts). */
  onItem?: (event: ItemEvent) => void;
}

/** Per-record outcome passed to {@link RunOptions.onItem}. */
export interface ItemEvent {
  id: string;
  outcome: "fetched" | "skipped" | "rejected" | "failed";
  reason?: string;
  record?: HarvestRecord;
}

/** Closing summary of a run. */
export interface HarvestSummary {
  source: string;
  outDir: string;
  /** Images downloaded, verified and recorded in this run. */
  fetched: number;
  /** Candidates skipped because an earlier run completed them. */
  skipped: number;
  /** Candidates skipped without a request because an earlier run rejected them for good. */
  skippedRejected: number;
  /** Candidates rejected in this run, by reason ("not public domain", "no image", "HTTP 404"). */
  rejected: Record<string, number>;
  /** Candidates that failed in this run, by reason class; they are retried by the next run. */
  failed: Record<string, number>;
  /** One full message per failure class, to see what went wrong. */
  failureExamples: Record<string, string>;
  /** Images of this source in the folder at the end. */
  total: number;
  /** The limit asked for. */
  limit: number;
  /** True when the candidates ran out before the limit. */
  exhausted: boolean;
  /** Partial downloads removed at start. */
  partialsRemoved: number;
  /** Why the run stopped early, when it did (listing error, too many failures). */
  aborted?: string;
  http: { requests: number; retries: number; bytes: number };
  seconds: number;
}

/** Short class of an error for the summary ("HTTP 500", "timeout", "html instead of json", "decode"). */
export function failureClass(err: unknown): string {
  if (err instanceof HttpError) {
    if (err.kind === "status") return `HTTP ${err.status}`;
    if (err.kind === "content-type") return "wrong content type";
    if (err.kind === "parse") return "unparsable JSON";
    return err.kind;
  }
  const m = (err as Error)?.message ?? String(err);
  if (/does not decode/.test(m)) return "image does not decode";
  return "error";
}

/** Run one harvester into `opts.outDir`. Never throws for per-record problems; throws for setup errors. */
export async function runHarvest(source: HarvestSource, client: PoliteClient, opts: RunOptions): Promise<HarvestSummary> {
  const outDir = path.resolve(opts.outDir);
  const limit = opts.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`limit must be a positive integer, got ${limit}`);
  const labelBy = opts.labelBy ?? source.defaultLabelBy;
  const manifestEvery = opts.manifestEvery ?? 10;
  const maxFails = opts.maxConsecutiveFailures ?? 25;
  const concurrency = Math.max(1, Math.min(16, Math.floor(opts.concurrency ?? 1)));
  const t0 = Date.now();

  const journal = await Journal.open(outDir);
  const release = acquireLock(outDir);
  const summary: HarvestSummary = {
    source: source.name,
    outDir,
    fetched: 0,
    skipped: 0,
    skippedRejected: 0,
    rejected: {},
    failed: {},
    failureExamples: {},
    total: 0,
    limit,
    exhausted: false,
    partialsRemoved: 0,
    http: client.stats,
    seconds: 0,
  };
  try {
    summary.partialsRemoved = await cleanPartials(outDir);
    if (journal.brokenLines > 0) info(`${source.name}: ignored ${journal.brokenLines} cut journal line(s) from an interrupted run`);

    // a folder that already holds a dataset: its manifest rows are merged, never dropped
    const kept: KeptRows = await readKeptRows(outDir, new Set(journal.doneRecords().map((r) => r.file)));
    const keptFiles = new Set(kept.rows.map((r) => (r.file ?? "").trim()));
    if (kept.rows.length > 0) {
      const backup = path.join(outDir, ".harvest", "manifest-before-harvest.csv");
      try {
        await fsp.copyFile(manifestPath(outDir), backup, fsConstants.COPYFILE_EXCL);
      } catch {
        // a backup from an earlier run is already there
      }
      info(`${source.name}: ${manifestPath(outDir)} lists ${kept.rows.length} image(s) this harvest did not make; they are kept in the manifest (copy of the original: ${backup})`);
    }
    const complete = (id: string): boolean => {
      const e = journal.get(id);
      return e?.status === "done" && fileIntact(outDir, e.record);
    };
    // the manifest lists only images that are really there (a deleted file is fetched again later)
    const manifestRows = () => journal.doneRecords().filter((r) => fileIntact(outDir, r));
    const saveManifest = () => writeManifest(outDir, manifestRows(), kept);
    let have = 0;
    for (const e of journal.entries.values()) if (e.source === source.name && complete(e.id)) have++;
    summary.total = have;
    if (have >= limit) {
      info(`${source.name}: ${outDir} already holds ${have} images (limit ${limit}); nothing to do`);
      await saveManifest(); // a killed run may have left it behind the journal
      return summary;
    }

    const bar = progress(`harvest ${source.name}`, limit, { bar: opts.progressBar });
    if (have > 0) bar.tick(have, `resumed with ${have}`);
    let sinceManifest = 0;
    let consecutiveFails = 0;
    let stop = false;
    const seen = new Set<string>();
    const now = () => new Date().toISOString();
    const note = (ev: ItemEvent) => opts.onItem?.(ev);

    /** Resolve, download, verify, write and journal one candidate. Never throws. */
    const processOne = async (cand: Candidate, id: string): Promise<void> => {
      try {
        const res = await source.resolve(cand, client);
        if (!res.ok) {
          const status = res.permanent ? "rejected" : "failed";
          await journal.append({ id, source: source.name, status, reason: res.reason, at: now() });
          const bucket = res.permanent ? summary.rejected : summary.failed;
          bucket[res.reason] = (bucket[res.reason] ?? 0) + 1;
          note({ id, outcome: status, reason: res.reason });
          return;
        }
        const item = res.item;
        const got = await client.getImage(item.imageUrl);
        const img = await verifyImage(got.bytes, `the image of ${id} from ${client.redact(item.imageUrl)}`);
        const label = safeLabel(rawLabel(item, labelBy));
        const file = `${label}/${id}.${img.ext}`;
        if (keptFiles.has(file)) {
          // the folder's own manifest already lists this path: never overwrite its image
          const reason = "path already listed in the existing manifest.csv";
          summary.rejected[reason] = (summary.rejected[reason] ?? 0) + 1;
          note({ id, outcome: "rejected", reason });
          return;
        }
        await writeImageAtomic(outDir, file, got.bytes);
        const record: HarvestRecord = {
          file,
          label,
          source: source.name,
          artist: item.artist,
          title: item.title,
          date: item.date,
          license: item.license,
          id,
          source_id: cand.sourceId,
          source_url: client.redact(item.sourceUrl),
          image_url: client.redact(item.imageUrl),
          sha256: sha256(got.bytes),
          bytes: got.bytes.byteLength,
          width: img.width,
          height: img.height,
          classification: item.classification,
          style: item.style,
          genre: item.genre,
          year: item.year == null ? "" : String(item.year),
          fetched_at: now(),
        };
        await journal.append({ id, source: source.name, status: "done", record, at: record.fetched_at });
        have++;
        summary.fetched++;
        consecutiveFails = 0;
        bar.tick(1, `${summary.fetched} new`);
        note({ id, outcome: "fetched", record });
        if (++sinceManifest >= manifestEvery) {
          sinceManifest = 0;
          await saveManifest();
        }
      } catch (err) {
        const permanent = err instanceof HttpError && err.kind === "status" && (err.status === 404 || err.status === 410);
        const cls = failureClass(err);
        const msg = client.redact((err as Error).message ?? String(err));
        await journal.append({ id, source: source.name, status: permanent ? "rejected" : "failed", reason: msg, at: now() });
        if (permanent) {
          summary.rejected[cls] = (summary.rejected[cls] ?? 0) + 1;
          note({ id, outcome: "rejected", reason: msg });
          return;
        }
        summary.failed[cls] = (summary.failed[cls] ?? 0) + 1;
        summary.failureExamples[cls] ??= msg;
        note({ id, outcome: "failed", reason: msg });
        warn(`${source.name}: ${id} failed: ${msg}`);
        if (++consecutiveFails >= maxFails && !stop) {
          stop = true;
          summary.aborted = `${consecutiveFails} failures in a row (last: ${msg}); the service may be down, rerun later to resume`;
        }
      }
    };

    // up to `concurrency` records in flight; the client's rate limiter still bounds requests per second
    const inFlight = new Set<Promise<void>>();
    let exhausted = true;
    try {
      for await (const cand of source.candidates(client)) {
        // wait while the pool is full, or while the records in flight could already reach the limit
        while (inFlight.size > 0 && (inFlight.size >= concurrency || have + inFlight.size >= limit)) await Promise.race(inFlight);
        if (have >= limit || stop) {
          exhausted = false;
          break;
        }
        const id = harvestId(source.name, cand.sourceId);
        if (seen.has(id)) continue; // a listing may repeat an item (shifting pages)
        seen.add(id);
        const prior = journal.get(id);
        if (complete(id)) {
          summary.skipped++;
          note({ id, outcome: "skipped" });
          continue;
        }
        if (prior?.status === "rejected" && !opts.retryRejected) {
          summary.skippedRejected++;
          continue;
        }
        const job: Promise<void> = processOne(cand, id).finally(() => inFlight.delete(job));
        inFlight.add(job);
      }
    } catch (err) {
      // a listing (CSV stream, page, artist list) could not be read: keep what we have
      summary.aborted = `cannot read the ${source.name} listing: ${client.redact((err as Error).message)}`;
      exhausted = false;
    }
    await Promise.all(inFlight);
    if (stop) exhausted = false;
    summary.exhausted = exhausted && have < limit;
    summary.total = have;
    await saveManifest();
    bar.stop(formatSummary(summary));
    return summary;
  } finally {
    summary.seconds = (Date.now() - t0) / 1000;
    release();
  }
}

/** True when the record's file exists with the recorded size (a cheap check; sha256 is in the manifest). */
function fileIntact(outDir: string, r: HarvestRecord): boolean {
  try {
    return statSync(path.join(outDir, r.file)).size === Number(r.bytes);
  } catch {
    return false;
  }
}

/** The closing line: fetched, skipped, rejected and failed with reasons. */
export function formatSummary(s: HarvestSummary): string {
  const by = (m: Record<string, number>) =>
    Object.entries(m)
      .map(([k, v]) => `${v} ${k}`)
      .join(", ");
  const parts = [`${s.fetched} fetched`, `${s.skipped} already complete`];
  if (s.skippedRejected) parts.push(`${s.skippedRejected} skipped as rejected before`);
  const rej = Object.values(s.rejected).reduce((a, b) => a + b, 0);
  const fail = Object.values(s.failed).reduce((a, b) => a + b, 0);
  parts.push(`${rej} rejected${rej ? ` (${by(s.rejected)})` : ""}`);
  parts.push(`${fail} failed${fail ? ` (${by(s.failed)}; rerun to retry)` : ""}`);
  let line = `${parts.join(", ")}; ${s.total}/${s.limit} in ${s.outDir}`;
  if (s.exhausted && fail > 0) line += ` (no more candidates; the ${fail} that failed are retried by a rerun)`;
  else if (s.exhausted) line += " (source exhausted before the limit)";
  if (s.aborted) line += `; stopped early: ${s.aborted}`;
  return line;
}

/**
 * Why a finished run must exit non-zero, or null when it did its job: it stopped early, or it fetched
 * nothing while records failed, or the folder holds no image of this source at all.
 */
export function harvestFailure(s: HarvestSummary): string | null {
  if (s.aborted) return `stopped early: ${s.aborted}`;
  const fail = Object.values(s.failed).reduce((a, b) => a + b, 0);
  const rej = Object.values(s.rejected).reduce((a, b) => a + b, 0);
  if (s.fetched === 0 && fail > 0 && s.total < s.limit) {
    const ex = Object.values(s.failureExamples)[0];
    return `every record tried failed (${fail}${ex ? `; e.g. ${ex}` : ""}); nothing was harvested. Check --base-url / the network and rerun to retry`;
  }
  if (s.total === 0) {
    return `the folder holds no ${s.source} image: ${rej} record(s) rejected, ${s.skippedRejected} skipped as rejected before; check the filters (--met-classification, --any-license, --retry-rejected)`;
  }
  return null;
}
