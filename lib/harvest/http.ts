/**
 * A polite HTTP client shared by the harvesters: one request at a time through a rate limiter,
 * retries with exponential backoff + jitter on 429 / 5xx / network errors / timeouts (honouring
 * `Retry-After` in seconds or as an HTTP date), a timeout on every request, a maximum body size
 * enforced while streaming, content-type checks (an HTML page where JSON was expected is a clear
 * error naming the URL), and redaction of secrets (API keys) in every URL it reports.
 *
 * Built on Node's own `fetch` (undici) and `AbortSignal.timeout`; no dependency.
 */
import { createRng, type Rng } from "../util/random.js";

/** Options of {@link PoliteClient}. Every field has a default suited to public museum APIs. */
export interface HttpClientOptions {
  /** Requests started per second at most (all hosts together). Range 0.1-50; default 2. */
  requestsPerSecond?: number;
  /** Attempts after the first on a retryable failure (429, 5xx, network error, timeout). Range 0-10; default 5. */
  maxRetries?: number;
  /** First backoff delay in ms; doubles each retry, with jitter in [0.5, 1.5). Range 1-10000; default 1000. */
  backoffBaseMs?: number;
  /** Ceiling of one backoff delay in ms. Default 60000. */
  backoffMaxMs?: number;
  /** Longest `Retry-After` honoured, in ms; a server asking for more fails the request instead. Default 300000 (5 min). */
  maxRetryAfterMs?: number;
  /** Timeout of one whole request (headers and body) in ms. Range 100-600000; default 30000. */
  timeoutMs?: number;
  /** Largest response body accepted, in bytes (checked on Content-Length and while streaming). Default 50 MiB. */
  maxBytes?: number;
  /** User-Agent header; default names this project. */
  userAgent?: string;
  /** Strings (API keys) replaced by "***" in every URL or message this client reports. Default none. */
  secrets?: string[];
  /** Seed of the backoff jitter, so retries repeat in tests. Default 1. */
  seed?: number;
  /** Sleep function (tests pass one that records delays). Default: a real timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Called before each retry with the attempt number, the delay and why (for logs). Default: nothing. */
  onRetry?: (info: RetryInfo) => void;
}

/** What {@link HttpClientOptions.onRetry} receives. `url` is already redacted. */
export interface RetryInfo {
  url: string;
  attempt: number;
  delayMs: number;
  reason: string;
}

/** Why a request failed. `retryable` says whether another run may succeed. */
export type HttpErrorKind = "status" | "timeout" | "network" | "too-large" | "content-type" | "parse" | "retry-after" | "url";

/** A failed request. The message names the (redacted) URL and the problem. */
export class HttpError extends Error {
  constructor(
    message: string,
    /** The class of failure. */
    readonly kind: HttpErrorKind,
    /** The redacted URL. */
    readonly url: string,
    /** The HTTP status, when a response arrived. */
    readonly status?: number,
    /** Attempts made (1 = no retry). */
    readonly attempts = 1,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** Statistics of a client, for closing summaries. */
export interface HttpStats {
  requests: number;
  retries: number;
  bytes: number;
}

/** A downloaded body with its content type. */
export interface FetchedBytes {
  bytes: Uint8Array;
  contentType: string;
  status: number;
}

const DEFAULT_UA = "heritage-inpaint/0.1 (research harvester for public-domain paintings; polite, rate-limited)";

/** Replace every secret in `text` by "***" (also URL-encoded forms). */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (!s) continue;
    for (const form of new Set([s, encodeURIComponent(s)])) out = out.split(form).join("***");
  }
  return out;
}

/**
 * Parse a `Retry-After` header: delay-seconds ("120") or an HTTP date. Returns ms from `nowMs`
 * (0 for a date in the past), or null when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs = Date.now()): number | null {
  if (value == null) return null;
  const v = value.trim();
  if (v === "") return null;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  if (Number.isNaN(t)) return null;
  return Math.max(0, t - nowMs);
}

/** Exponential backoff with jitter: base * 2^attempt, capped, times a factor in [0.5, 1.5). */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, rng: Rng): number {
  const raw = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.round(raw * (0.5 + rng.next()));
}

function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status <= 599);
}

class RetryableFailure extends Error {
  constructor(
    readonly reason: string,
    readonly kind: HttpErrorKind,
    readonly status?: number,
    readonly retryAfterMs?: number | null,
  ) {
    super(reason);
  }
}

/** The polite client. Create one per harvest run; requests go out one at a time through its limiter. */
export class PoliteClient {
  readonly options: Required<Omit<HttpClientOptions, "onRetry">> & Pick<HttpClientOptions, "onRetry">;
  readonly stats: HttpStats = { requests: 0, retries: 0, bytes: 0 };
  private nextSlot = 0;
  private readonly rng: Rng;

  constructor(opts: HttpClientOptions = {}) {
    this.options = {
      requestsPerSecond: opts.requestsPerSecond ?? 2,
      maxRetries: opts.maxRetries ?? 5,
      backoffBaseMs: opts.backoffBaseMs ?? 1000,
      backoffMaxMs: opts.backoffMaxMs ?? 60000,
      maxRetryAfterMs: opts.maxRetryAfterMs ?? 300000,
      timeoutMs: opts.timeoutMs ?? 30000,
      maxBytes: opts.maxBytes ?? 50 * 1024 * 1024,
      userAgent: opts.userAgent ?? DEFAULT_UA,
      secrets: (opts.secrets ?? []).filter((s) => s.length > 0),
      seed: opts.seed ?? 1,
      sleep: opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
      onRetry: opts.onRetry,
    };
    if (!(this.options.requestsPerSecond > 0)) throw new Error(`requestsPerSecond must be > 0, got ${this.options.requestsPerSecond}`);
    this.rng = createRng(this.options.seed);
  }

  /** `url` with every secret replaced by "***": use this whenever a URL is logged or stored. */
  redact(text: string): string {
    return redact(text, this.options.secrets);
  }

  /** Wait for the rate limiter's next slot. */
  private async acquire(): Promise<void> {
    const interval = 1000 / this.options.requestsPerSecond;
    const now = Date.now();
    const at = Math.max(now, this.nextSlot);
    this.nextSlot = at + interval;
    if (at > now) await this.options.sleep(at - now);
  }

  /** GET a JSON document. An HTML page, a non-JSON body or a non-2xx status is an {@link HttpError} naming the URL. */
  async getJson<T = unknown>(url: string, headers: Record<string, string> = {}): Promise<T> {
    const got = await this.getBytes(url, { accept: "application/json", headers, expect: "json" });
    const text = new TextDecoder().decode(got.bytes);
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      const safe = this.redact(url);
      throw new HttpError(
        `expected JSON from ${safe} but the body (${got.contentType || "no content type"}) does not parse: ${(err as Error).message}; it starts ${JSON.stringify(text.slice(0, 60))}`,
        "parse",
        safe,
        got.status,
      );
    }
  }

  /** GET an image (or any binary). Refuses HTML/JSON/text bodies and bodies over `maxBytes`. */
  async getImage(url: string, maxBytes = this.options.maxBytes): Promise<FetchedBytes> {
    return this.getBytes(url, { accept: "image/*", maxBytes, expect: "image" });
  }

  /**
   * GET a body with retries. `expect` checks the content type: "json" refuses HTML, "image" refuses
   * text/HTML/JSON. Non-retryable failures (4xx other than 408/429, too large, wrong type) throw at once.
   */
  async getBytes(
    url: string,
    opts: { accept?: string; headers?: Record<string, string>; maxBytes?: number; expect?: "json" | "image" | "any" } = {},
  ): Promise<FetchedBytes> {
    const safe = this.redact(url);
    checkUrl(url, safe);
    const maxBytes = opts.maxBytes ?? this.options.maxBytes;
    for (let attempt = 0; ; attempt++) {
      await this.acquire();
      this.stats.requests++;
      try {
        return await this.once(url, safe, maxBytes, opts);
      } catch (err) {
        if (!(err instanceof RetryableFailure)) throw err instanceof HttpError ? withAttempts(err, attempt + 1) : err;
        if (attempt >= this.options.maxRetries) {
          throw new HttpError(`${err.reason} (gave up after ${attempt + 1} attempts)`, err.kind, safe, err.status, attempt + 1);
        }
        let delay: number;
        if (err.retryAfterMs != null) {
          if (err.retryAfterMs > this.options.maxRetryAfterMs) {
            throw new HttpError(
              `${err.reason}; the server asks to retry after ${(err.retryAfterMs / 1000).toFixed(0)} s, more than the ${(this.options.maxRetryAfterMs / 1000).toFixed(0)} s allowed (maxRetryAfterMs)`,
              "retry-after",
              safe,
              err.status,
              attempt + 1,
            );
          }
          delay = err.retryAfterMs;
        } else {
          delay = backoffDelay(attempt, this.options.backoffBaseMs, this.options.backoffMaxMs, this.rng);
        }
        this.stats.retries++;
        this.options.onRetry?.({ url: safe, attempt: attempt + 1, delayMs: delay, reason: err.reason });
        await this.options.sleep(delay);
        // the retry also respects the rate limiter: never earlier than the delay asked for
      }
    }
  }

  private async once(
    url: string,
    safe: string,
    maxBytes: number,
    opts: { accept?: string; headers?: Record<string, string>; expect?: "json" | "image" | "any" },
  ): Promise<FetchedBytes> {
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    let res: Response;
    try {
      res = await fetch(url, {
        signal,
        redirect: "follow",
        headers: { "user-agent": this.options.userAgent, accept: opts.accept ?? "*/*", ...opts.headers },
      });
    } catch (err) {
      throw this.networkFailure(err, safe, "connecting");
    }
    const contentType = (res.headers.get("content-type") ?? "").toLowerCase();
    if (!res.ok) {
      // drain a little of the body for the message, never much
      const snippet = await readSnippet(res);
      const reason = `HTTP ${res.status} ${res.statusText} from ${safe}${snippet ? `: ${JSON.stringify(this.redact(snippet))}` : ""}`;
      if (isRetryableStatus(res.status)) {
        throw new RetryableFailure(reason, "status", res.status, parseRetryAfter(res.headers.get("retry-after")));
      }
      throw new HttpError(reason, "status", safe, res.status);
    }
    const expect = opts.expect ?? "any";
    if (expect === "json" && contentType.includes("html")) {
      const snippet = await readSnippet(res);
      throw new HttpError(
        `expected JSON from ${safe} but got an HTML page (${contentType}): ${JSON.stringify(this.redact(snippet))}`,
        "content-type",
        safe,
        res.status,
      );
    }
    if (expect === "image" && /^(text\/|application\/(json|xml|xhtml))/.test(contentType)) {
      const snippet = await readSnippet(res);
      throw new HttpError(`expected an image from ${safe} but got ${contentType}: ${JSON.stringify(this.redact(snippet))}`, "content-type", safe, res.status);
    }
    const declared = Number(res.headers.get("content-length") ?? NaN);
    if (Number.isFinite(declared) && declared > maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw new HttpError(`${safe} is ${declared} bytes, more than the ${maxBytes} allowed (maxBytes)`, "too-large", safe, res.status);
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      if (res.body) {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          total += chunk.byteLength;
          if (total > maxBytes) {
            await res.body.cancel().catch(() => undefined);
            throw new HttpError(`${safe} sent more than the ${maxBytes} bytes allowed (maxBytes); download aborted`, "too-large", safe, res.status);
          }
          chunks.push(chunk);
        }
      }
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw this.networkFailure(err, safe, `reading the body after ${total} bytes`);
    }
    // Content-Length counts encoded bytes; fetch hands us decoded ones, so compare only unencoded bodies
    const encoding = (res.headers.get("content-encoding") ?? "identity").toLowerCase();
    if (Number.isFinite(declared) && encoding === "identity" && total !== declared) {
      throw new RetryableFailure(`${safe} ended after ${total} of ${declared} bytes (truncated)`, "network");
    }
    this.stats.bytes += total;
    return { bytes: concat(chunks, total), contentType, status: res.status };
  }

  /**
   * Stream a large text body (the MET's 230 MB CSV) chunk by chunk. Connecting is retried like any
   * request; when the body breaks mid-way, the stream reconnects (up to `maxRetries` times) with
   * `Range: bytes=<offset>-` and `If-Range: <etag>` and carries on where it stopped, so the
   * consumer sees one continuous text. A server without range support answers 200: the bytes
   * already read are skipped (unless its ETag changed, which is an error). An idle gap longer than
   * `timeoutMs` while waiting for data counts as a break; time the consumer spends does not.
   */
  async *streamText(url: string): AsyncGenerator<string> {
    const safe = this.redact(url);
    checkUrl(url, safe);
    const decoder = new TextDecoder();
    let offset = 0;
    let total: number | null = null;
    let etag: string | null = null;
    for (let reconnects = 0; ; reconnects++) {
      const headers: Record<string, string> = {};
      if (offset > 0) {
        headers.range = `bytes=${offset}-`;
        if (etag) headers["if-range"] = etag;
      }
      const { res, controller } = await this.openStream(url, safe, headers);
      let skip = 0;
      const encoded = (res.headers.get("content-encoding") ?? "identity").toLowerCase() !== "identity";
      if (offset === 0) {
        etag = res.headers.get("etag");
        const len = Number(res.headers.get("content-length") ?? NaN);
        total = Number.isFinite(len) && !encoded ? len : null;
        const contentType = (res.headers.get("content-type") ?? "").toLowerCase();
        if (contentType.includes("html")) {
          controller.abort();
          throw new HttpError(`expected CSV from ${safe} but got an HTML page (${contentType})`, "content-type", safe, res.status);
        }
      } else if (res.status === 206) {
        const m = /^bytes (\d+)-\d+\/(\d+|\*)/.exec(res.headers.get("content-range") ?? "");
        if (!m || Number(m[1]) !== offset) {
          controller.abort();
          throw new HttpError(`${safe} resumed at the wrong place (asked for byte ${offset}, got "${res.headers.get("content-range")}")`, "network", safe, 206);
        }
      } else {
        const tag = res.headers.get("etag");
        if (etag && tag && tag !== etag) {
          controller.abort();
          throw new HttpError(`${safe} changed while it was being read (ETag ${etag} -> ${tag}); run again to start over`, "network", safe, res.status);
        }
        skip = offset; // no range support: read past what we already have
      }
      let timer: NodeJS.Timeout | undefined;
      const reader = res.body?.getReader();
      let broke: unknown = null;
      try {
        while (reader) {
          timer = setTimeout(() => controller.abort(new Error(`no data for ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
          const { done, value } = await reader.read();
          clearTimeout(timer);
          if (done) break;
          let chunk = value;
          if (skip > 0) {
            if (chunk.byteLength <= skip) {
              skip -= chunk.byteLength;
              continue;
            }
            chunk = chunk.subarray(skip);
            skip = 0;
          }
          offset += chunk.byteLength;
          this.stats.bytes += chunk.byteLength;
          yield decoder.decode(chunk, { stream: true });
        }
        if (total !== null && offset < total) broke = new Error(`the body ended after ${offset} of ${total} bytes`);
      } catch (err) {
        broke = err;
      } finally {
        clearTimeout(timer);
        await reader?.cancel().catch(() => undefined);
      }
      if (broke === null) {
        const rest = decoder.decode();
        if (rest) yield rest;
        return;
      }
      const reason = `stream from ${safe} broke after ${offset} bytes: ${this.redact(errorText(broke))}`;
      if (encoded) throw new HttpError(`${reason} (a compressed body cannot be resumed by byte range)`, "network", safe, res.status, reconnects + 1);
      if (reconnects >= this.options.maxRetries) {
        throw new HttpError(`${reason} (gave up after ${reconnects} reconnects)`, "network", safe, res.status, reconnects + 1);
      }
      const delay = backoffDelay(reconnects, this.options.backoffBaseMs, this.options.backoffMaxMs, this.rng);
      this.stats.retries++;
      this.options.onRetry?.({ url: safe, attempt: reconnects + 1, delayMs: delay, reason: `${reason}; resuming at byte ${offset}` });
      await this.options.sleep(delay);
    }
  }

  /** Open a streaming GET (retrying until a 2xx arrives), with an AbortController that also aborts the body. */
  private async openStream(url: string, safe: string, extra: Record<string, string>): Promise<{ res: Response; controller: AbortController }> {
    for (let attempt = 0; ; attempt++) {
      await this.acquire();
      this.stats.requests++;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new Error(`no response in ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
      let fail: RetryableFailure;
      try {
        const res = await fetch(url, {
          signal: controller.signal,
          // identity: byte offsets must mean the same thing in Range requests and in what we read
          headers: { "user-agent": this.options.userAgent, accept: "text/csv,*/*", "accept-encoding": "identity", ...extra },
        });
        clearTimeout(timer);
        if (res.ok) return { res, controller };
        const reason = `HTTP ${res.status} ${res.statusText} from ${safe}`;
        await res.body?.cancel().catch(() => undefined);
        if (!isRetryableStatus(res.status)) throw new HttpError(reason, "status", safe, res.status, attempt + 1);
        fail = new RetryableFailure(reason, "status", res.status, parseRetryAfter(res.headers.get("retry-after")));
      } catch (err) {
        clearTimeout(timer);
        if (err instanceof HttpError) throw err;
        fail = this.networkFailure(err, safe, "connecting");
      }
      if (attempt >= this.options.maxRetries) throw new HttpError(`${fail.reason} (gave up after ${attempt + 1} attempts)`, fail.kind, safe, fail.status, attempt + 1);
      const delay = Math.min(fail.retryAfterMs ?? backoffDelay(attempt, this.options.backoffBaseMs, this.options.backoffMaxMs, this.rng), this.options.maxRetryAfterMs);
      this.stats.retries++;
      this.options.onRetry?.({ url: safe, attempt: attempt + 1, delayMs: delay, reason: fail.reason });
      await this.options.sleep(delay);
    }
  }

  private networkFailure(err: unknown, safe: string, when: string): RetryableFailure {
    const e = err as Error;
    if (e?.name === "TimeoutError" || e?.name === "AbortError") {
      return new RetryableFailure(`timed out after ${this.options.timeoutMs} ms ${when} to ${safe}`, "timeout");
    }
    return new RetryableFailure(`network error ${when} to ${safe}: ${this.redact(errorText(err))}`, "network");
  }
}

/** Only absolute http(s) URLs are fetched (a remote record could name file:, data: or a relative path). */
function checkUrl(url: string, safe: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new HttpError(`not an absolute URL: ${JSON.stringify(safe)}`, "url", safe);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new HttpError(`refusing to fetch ${safe}: only http and https URLs are fetched`, "url", safe);
}

function withAttempts(err: HttpError, attempts: number): HttpError {
  return attempts === err.attempts ? err : new HttpError(err.message, err.kind, err.url, err.status, attempts);
}

function errorText(err: unknown): string {
  const e = err as Error & { cause?: Error };
  const cause = e?.cause?.message ? ` (${e.cause.message})` : "";
  return `${e?.message ?? String(err)}${cause}`;
}

async function readSnippet(res: Response, max = 200): Promise<string> {
  try {
    if (!res.body) return "";
    const reader = res.body.getReader();
    const { value } = await reader.read();
    await reader.cancel().catch(() => undefined);
    return value ? new TextDecoder().decode(value.subarray(0, max)).replace(/\s+/g, " ").trim() : "";
  } catch {
    return "";
  }
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out;
}
