/** `heritage harvest met|rijksmuseum|wikiart --out DIR --limit N`: polite, resumable harvesters. */
import type { Command } from "commander";
import type { LabelBy, SourceName } from "../../harvest/source.js";

const LABELS: LabelBy[] = ["classification", "style", "genre", "century", "artist"];

import { numberOption as num } from "../options.js";

export function register(program: Command): void {
  program
    .command("harvest")
    .description(
      "Download public-domain paintings from the MET, the Rijksmuseum or WikiArt into a dataset folder " +
        "(<out>/<label>/<id>.<ext> + manifest.csv). Resumable: rerun the same command to finish. " +
        "Rijksmuseum needs RIJKSMUSEUM_API_KEY.",
    )
    .argument("<source>", "met | rijksmuseum | wikiart")
    .requiredOption("--out <dir>", "output folder (created; rerun into the same folder to resume)")
    .option("--limit <n>", "images of this source the folder should hold at the end (1-1000000)", num("limit", 1, 1e6), 100)
    .option("--base-url <url>", "service base URL (mirrors, tests); env HERITAGE_MET_API_URL / HERITAGE_RIJKSMUSEUM_URL / HERITAGE_WIKIART_URL. MET: the object table is then read from <url>/MetObjects.csv too, unless --met-csv")
    .option("--met-csv <pathOrUrl>", "MET only: MetObjects.csv as a local file or URL; env HERITAGE_MET_CSV_URL (default: <base-url>/MetObjects.csv with --base-url, else the Git LFS copy on GitHub)")
    .option("--met-classification <regex>", "MET only: Classification / Object Name filter (case-insensitive)", "^paintings?\\b")
    .option("--full-size", "MET only: download primaryImage (full size) instead of primaryImageSmall", false)
    .option("--api-key-env <name>", "Rijksmuseum only: environment variable holding the API key (never logged)", "RIJKSMUSEUM_API_KEY")
    .option("--lang <code>", "Rijksmuseum/WikiArt language segment (en, nl, ...)", "en")
    .option("--artists <slugs>", "WikiArt only: comma-separated artist slugs (e.g. claude-monet,vincent-van-gogh); default all public-domain artists")
    .option("--label-by <field>", `class folder from: ${LABELS.join(", ")} (default: style for wikiart, classification otherwise)`)
    .option("--any-license", "also take records without an open licence (recorded as such in the manifest)", false)
    .option("--retry-rejected", "ask again about records an earlier run rejected for good", false)
    .option("--rate <perSecond>", "requests per second at most (default: met 5, rijksmuseum 4, wikiart 1.5)", num("rate", 0.01, 100))
    .option("--concurrency <n>", "records in flight at once (1-16); overlaps latency, requests/s stay bounded by --rate", num("concurrency", 1, 16), 1)
    .option("--retries <n>", "retries per request on 429/5xx/network errors/timeouts (0-10)", num("retries", 0, 10), 5)
    .option("--backoff-ms <ms>", "first backoff delay in ms, doubled per retry with jitter (1-60000)", num("backoff-ms", 1, 60000), 1000)
    .option("--timeout <seconds>", "timeout of one request in seconds (0.1-600)", num("timeout", 0.1, 600), 30)
    .option("--max-mb <mb>", "largest image accepted, in MiB (0.01-1000)", num("max-mb", 0.01, 1000), 50)
    .option("--json", "print the closing summary as JSON on stdout", false)
    .action(async (sourceArg: string, o: Record<string, unknown>) => {
      const { harvest, SOURCES } = await import("../../harvest/index.js");
      const source = sourceArg as SourceName;
      if (!SOURCES.includes(source)) throw new Error(`unknown source "${sourceArg}"; use one of ${SOURCES.join(", ")}`);
      const labelBy = o.labelBy as LabelBy | undefined;
      if (labelBy && !LABELS.includes(labelBy)) throw new Error(`--label-by must be one of ${LABELS.join(", ")}, got "${labelBy}"`);
      const baseUrl = o.baseUrl as string | undefined;
      const summary = await harvest(source, {
        outDir: o.out as string,
        limit: Math.floor(o.limit as number),
        labelBy,
        retryRejected: o.retryRejected as boolean,
        concurrency: Math.floor(o.concurrency as number),
        anyLicense: o.anyLicense as boolean,
        http: {
          ...(o.rate !== undefined ? { requestsPerSecond: o.rate as number } : {}),
          maxRetries: Math.floor(o.retries as number),
          backoffBaseMs: o.backoffMs as number,
          timeoutMs: (o.timeout as number) * 1000,
          maxBytes: Math.round((o.maxMb as number) * 1024 * 1024),
        },
        met: {
          apiUrl: source === "met" ? baseUrl : undefined,
          csv: o.metCsv as string | undefined,
          classification: o.metClassification as string,
          fullSize: o.fullSize as boolean,
        },
        rijksmuseum: {
          baseUrl: source === "rijksmuseum" ? baseUrl : undefined,
          apiKeyEnv: o.apiKeyEnv as string,
          lang: o.lang as "en" | "nl",
        },
        wikiart: {
          baseUrl: source === "wikiart" ? baseUrl : undefined,
          lang: o.lang as string,
          artists: typeof o.artists === "string" ? (o.artists as string).split(",").map((s) => s.trim()).filter(Boolean) : undefined,
        },
      });
      // the run already printed its closing summary to stderr
      if (o.json) process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
      const { harvestFailure } = await import("../../harvest/run.js");
      const failure = harvestFailure(summary);
      if (failure) {
        process.stderr.write(`heritage harvest: ${failure}\n`);
        process.exitCode = 2;
      }
    });
}
