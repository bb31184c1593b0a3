import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { HttpError, PoliteClient, backoffDelay, parseRetryAfter, redact, type HttpClientOptions } from "../../lib/harvest/http.js";
import { createRng } from "../../lib/util/random.js";
import { startFixtureServer, type FixtureServer } from "./fixture-server.js";

let srv: FixtureServer;
before(async () => {
  srv = await startFixtureServer();
});
after(async () => {
  await srv.close();
});

/** A client with tiny delays whose sleeps are recorded instead of waited out in full. */
function client(extra: HttpClientOptions = {}): { c: PoliteClient; sleeps: number[] } {
  const sleeps: number[] = [];
  const c = new PoliteClient({
    requestsPerSecond: 1000,
    backoffBaseMs: 5,
    timeoutMs: 2000,
    sleep: async (ms) => {
      sleeps.push(ms);
      await new Promise((r) => setTimeout(r, Math.min(ms, 5)));
    },
    ...extra,
  });
  return { c, sleeps };
}

test("parseRetryAfter reads delay-seconds and HTTP dates", () => {
  assert.equal(parseRetryAfter("3"), 3000);
  assert.equal(parseRetryAfter("0"), 0);
  assert.equal(parseRetryAfter(null), null);
  assert.equal(parseRetryAfter("soon"), null);
  const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");
  assert.equal(parseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now), 30000);
  assert.equal(parseRetryAfter("Wed, 21 Oct 2015 07:27:00 GMT", now), 0, "a date in the past means now");
});

test("backoffDelay doubles per attempt with jitter in [0.5, 1.5) and a ceiling", () => {
  const rng = createRng(3);
  for (let a = 0; a < 6; a++) {
    const d = backoffDelay(a, 100, 2000, rng);
    const raw = Math.min(2000, 100 * 2 ** a);
    assert.ok(d >= raw * 0.5 && d < raw * 1.5, `attempt ${a}: ${d} outside [${raw * 0.5}, ${raw * 1.5})`);
  }
});

test("redact hides secrets, also URL-encoded", () => {
  assert.equal(redact("https://x/api?key=ab+c/d&p=1", ["ab+c/d"]), "https://x/api?key=***&p=1");
  assert.equal(redact("https://x/api?key=ab%2Bc%2Fd", ["ab+c/d"]), "https://x/api?key=***");
});

test("429 with Retry-After is honoured (the delay asked for is slept), then succeeds", async () => {
  srv.fault("/t/json", { kind: "status", status: 429, retryAfter: "1" });
  const { c, sleeps } = client();
  const got = await c.getJson<{ ok: boolean }>(`${srv.url}/t/json`);
  assert.equal(got.ok, true);
  assert.ok(sleeps.includes(1000), `slept ${JSON.stringify(sleeps)}, expected a 1000 ms Retry-After wait`);
  assert.equal(c.stats.retries, 1);
});

test("Retry-After longer than allowed fails at once, naming the wait", async () => {
  srv.fault("/t/json", { kind: "status", status: 429, retryAfter: "3600" });
  const { c } = client({ maxRetryAfterMs: 60000 });
  await assert.rejects(c.getJson(`${srv.url}/t/json`), (err: HttpError) => {
    assert.equal(err.kind, "retry-after");
    assert.match(err.message, /3600 s/);
    return true;
  });
});

test("500s are retried with growing backoff; giving up reports the attempts", async () => {
  srv.fault("/t/json", { kind: "status", status: 500 }, 2);
  const { c, sleeps } = client();
  assert.equal((await c.getJson<{ ok: boolean }>(`${srv.url}/t/json`)).ok, true);
  assert.equal(c.stats.retries, 2);
  assert.equal(sleeps.filter((s) => s >= 2).length >= 2, true);

  srv.fault("/t/json", { kind: "status", status: 503 }, 4);
  const { c: c2 } = client({ maxRetries: 3 });
  await assert.rejects(c2.getJson(`${srv.url}/t/json`), (err: HttpError) => {
    assert.equal(err.status, 503);
    assert.equal(err.attempts, 4);
    assert.match(err.message, /gave up after 4 attempts/);
    assert.match(err.message, /\/t\/json/);
    return true;
  });
});

test("404 is not retried", async () => {
  const { c } = client();
  await assert.rejects(c.getJson(`${srv.url}/met/api/objects/1`), (err: HttpError) => err.status === 404 && err.attempts === 1);
  assert.equal(c.stats.requests, 1);
});

test("a hung connection times out and is retried", async () => {
  srv.fault("/t/json", { kind: "hang" });
  const { c } = client({ timeoutMs: 300 });
  const before = srv.hits.get("/t/json") ?? 0;
  assert.equal((await c.getJson<{ ok: boolean }>(`${srv.url}/t/json`)).ok, true);
  assert.equal((srv.hits.get("/t/json") ?? 0) - before, 2);
  assert.equal(c.stats.retries, 1);
});

test("a truncated body is detected and retried", async () => {
  srv.fault("/images/x.jpg", { kind: "truncate" });
  const { c } = client();
  const got = await c.getImage(`${srv.url}/images/x.jpg`);
  assert.equal(got.contentType, "image/jpeg");
  assert.equal(got.bytes[0], 0xff);
  assert.equal(c.stats.retries, 1);
});

test("an HTML page where JSON was expected is a clear error naming the URL, not retried", async () => {
  srv.fault("/t/json", { kind: "html" });
  const { c } = client();
  await assert.rejects(c.getJson(`${srv.url}/t/json`), (err: HttpError) => {
    assert.equal(err.kind, "content-type");
    assert.match(err.message, /expected JSON from http:\/\/127\.0\.0\.1:\d+\/t\/json but got an HTML page/);
    assert.match(err.message, /Bad Gateway/);
    return true;
  });
  assert.equal(c.stats.requests, 1);
});

test("maxBytes stops a body declared too large and one streamed too large", async () => {
  const { c } = client({ maxBytes: 5000 });
  await assert.rejects(c.getBytes(`${srv.url}/t/bytes?n=20000`), (err: HttpError) => err.kind === "too-large" && /20000 bytes/.test(err.message));
  await assert.rejects(c.getBytes(`${srv.url}/t/bytes?n=20000&chunked=1`), (err: HttpError) => err.kind === "too-large" && /download aborted/.test(err.message));
  assert.equal((await c.getBytes(`${srv.url}/t/bytes?n=4000&chunked=1`)).bytes.byteLength, 4000);
});

test("getImage refuses a JSON/HTML body", async () => {
  const { c } = client();
  await assert.rejects(c.getImage(`${srv.url}/t/json`), (err: HttpError) => err.kind === "content-type" && /expected an image/.test(err.message));
});

test("secrets never appear in errors", async () => {
  const key = "sup3r-secret-KEY";
  srv.fault("/t/json", { kind: "status", status: 500 }, 3);
  const { c } = client({ secrets: [key], maxRetries: 2 });
  const retries: string[] = [];
  c.options.onRetry = (r) => retries.push(r.url + " " + r.reason);
  await assert.rejects(c.getJson(`${srv.url}/t/json?key=${key}`), (err: HttpError) => {
    assert.ok(!err.message.includes(key), err.message);
    assert.ok(!err.url.includes(key));
    assert.match(err.url, /key=\*\*\*/);
    return true;
  });
  assert.ok(retries.length === 2 && retries.every((r) => !r.includes(key)));
});

test("the rate limiter spaces requests", async () => {
  const sleeps: number[] = [];
  const c = new PoliteClient({ requestsPerSecond: 2, sleep: async (ms) => void sleeps.push(ms) });
  for (let i = 0; i < 4; i++) await c.getJson(`${srv.url}/t/json`);
  // the first goes at once; the next three are given the 500 ms slots after it (the fake sleep returns
  // at once, so the slots stay ahead of the clock and each wait is longer than the one before)
  assert.equal(sleeps.length, 3, JSON.stringify(sleeps));
  assert.ok(sleeps.every((s) => s > 0 && s <= 1500), JSON.stringify(sleeps));
  assert.ok(sleeps[0]! < sleeps[1]! && sleeps[1]! < sleeps[2]!, JSON.stringify(sleeps));
});

test("streamText yields the whole body in chunks and retries a 503 before the first byte", async () => {
  srv.fault("/t/text", { kind: "status", status: 503, retryAfter: "0" });
  const { c } = client();
  let text = "";
  for await (const chunk of c.streamText(`${srv.url}/t/text?n=2000`)) text += chunk;
  const lines = text.trim().split("\n");
  assert.equal(lines.length, 2001);
  assert.equal(lines[1999 + 1], '1999,"x,1999"');
  assert.equal(c.stats.retries, 1);
});

test("streamText's idle timeout counts only network waits, not a slow consumer", async () => {
  const c = new PoliteClient({ requestsPerSecond: 1000, timeoutMs: 100 });
  let text = "";
  let first = true;
  for await (const chunk of c.streamText(`${srv.url}/t/text?n=50`)) {
    if (first) await new Promise((r) => setTimeout(r, 300)); // longer than the timeout
    first = false;
    text += chunk;
  }
  assert.equal(text.trim().split("\n").length, 51);
});

test("only absolute http(s) URLs are fetched", async () => {
  const { c } = client();
  await assert.rejects(c.getImage("file:///etc/passwd"), (err: HttpError) => err.kind === "url" && /only http and https/.test(err.message));
  await assert.rejects(c.getImage("/images/relative.jpg"), (err: HttpError) => err.kind === "url" && /not an absolute URL/.test(err.message));
  assert.equal(c.stats.requests, 0);
});

async function readAll(c: PoliteClient, url: string): Promise<string> {
  let text = "";
  for await (const chunk of c.streamText(url)) text += chunk;
  return text;
}

test("streamText resumes a broken body with Range, or skips what it has when the server ignores Range", async () => {
  const { c: ref } = client();
  const whole = await readAll(ref, `${srv.url}/t/static.csv`);
  assert.equal(whole.split("\n").length, 602);
  assert.ok(whole.includes("é"));

  srv.ranges.length = 0;
  srv.fault("/t/static.csv", { kind: "truncate" });
  const { c } = client();
  assert.equal(await readAll(c, `${srv.url}/t/static.csv`), whole);
  assert.equal(srv.ranges.length, 1);
  assert.match(srv.ranges[0]!, /bytes=\d+- if-range="/);

  srv.fault("/t/norange.csv", { kind: "truncate" });
  const { c: c2 } = client();
  assert.equal(await readAll(c2, `${srv.url}/t/norange.csv`), whole, "a 200 answer to a Range request: the bytes already read are skipped");

  srv.fault("/t/static.csv", { kind: "truncate" }, 10);
  const { c: c3 } = client({ maxRetries: 2 });
  await assert.rejects(readAll(c3, `${srv.url}/t/static.csv`), (err: HttpError) => /gave up after 2 reconnects/.test(err.message));
});

test("a gzip-encoded body is not mistaken for a truncated one (Content-Length counts encoded bytes)", async () => {
  const { c } = client();
  const got = await c.getJson<{ ok: boolean; pad: string }>(`${srv.url}/t/gzip`);
  assert.equal(got.pad.length, 5000);
  assert.equal(c.stats.retries, 0);
});

test("a body that stalls half-way times out and is retried", async () => {
  srv.fault("/images/stall.jpg", { kind: "stall" });
  const { c } = client({ timeoutMs: 300 });
  const got = await c.getImage(`${srv.url}/images/stall.jpg`);
  assert.equal(got.bytes[0], 0xff);
  assert.equal(c.stats.retries, 1);
});
