/**
 * A local HTTP server (127.0.0.1, port 0) that replays responses shaped like the MET, Rijksmuseum
 * and WikiArt services from the fixtures in test/harvest/fixtures/, with faults injected per path:
 * 429 with Retry-After, 5xx, a hung connection (before or during the body), a truncated body, an HTML error page instead of
 * JSON, corrupt image bytes. Images are small JPEGs made with sharp, a colour per path.
 *
 * Routes (the harvesters' base URLs point at the prefixes):
 *   /met/MetObjects.csv                      the object table (also at /met/api/MetObjects.csv: a mirror of the API
 *                                            serves the table beside it, where `--base-url` alone looks for it)
 *   /met/api/objects/{id}                    MET collection API
 *   /rijks/api/{lang}/collection[?...]       Rijksmuseum search (needs ?key=), paginated by ps/p
 *   /rijks/api/{lang}/collection/{number}    Rijksmuseum detail
 *   /wikiart/{lang}/App/Artist/AlphabetJson, /Painting/PaintingsByArtist, /Painting/ImageJson/{id}
 *   /images/...                              JPEG bytes
 *   /t/json, /t/bytes?n=N[&chunked=1], /t/text?n=N, /t/static.csv (Range), /t/norange.csv   generic routes
 *
 * This module has no side effects on import (node --test also loads it as a file of its own).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import path from "node:path";
import { gzipSync } from "node:zlib";
import sharp from "sharp";
import { projectRoot } from "../../lib/util/paths.js";

/** A fault served instead of the normal response. */
export type Fault =
  | { kind: "status"; status: number; retryAfter?: string }
  | { kind: "hang" }
  | { kind: "truncate" }
  | { kind: "stall" }
  | { kind: "html" }
  | { kind: "corrupt" };

export interface FixtureServer {
  /** e.g. "http://127.0.0.1:43121" */
  url: string;
  /** Requests seen per pathname. */
  hits: Map<string, number>;
  /** Every request as "pathname?query", in order. */
  log: string[];
  /** Serve `fault` on the next `times` requests for `pathname` (exact, without query). */
  fault(pathname: string, fault: Fault, times?: number): void;
  /** Called on every request (after counting), e.g. to kill a child process at the right moment. */
  onRequest?: (pathname: string) => void;
  /** Image requests whose response is held forever (for kill tests). */
  holdImages: boolean;
  /** Range requests seen: "pathname range if-range=etag". */
  ranges: string[];
  close(): Promise<void>;
}

/** The fixtures folder in the source tree (tests run from dist/ or .build/, fixtures stay in test/). */
export function fixturesDir(): string {
  return path.join(projectRoot(), "test", "harvest", "fixtures");
}

function loadJson(rel: string): unknown {
  return JSON.parse(readFileSync(path.join(fixturesDir(), rel), "utf8"));
}

const imageCache = new Map<string, Buffer>();

function etagOf(body: Buffer): string {
  return `"${createHash("sha1").update(body).digest("hex").slice(0, 16)}"`;
}

/** A small JPEG whose colour depends on `key` (deterministic). */
export async function fixtureJpeg(key: string, width = 48, height = 36): Promise<Buffer> {
  const k = `${key}:${width}x${height}`;
  const hit = imageCache.get(k);
  if (hit) return hit;
  const h = createHash("sha1").update(key).digest();
  const buf = await sharp({ create: { width, height, channels: 3, background: { r: h[0]!, g: h[1]!, b: h[2]! } } })
    .jpeg({ quality: 80 })
    .toBuffer();
  imageCache.set(k, buf);
  return buf;
}

/** Start the server. `rijksKey` is the API key the Rijksmuseum routes demand. */
export async function startFixtureServer(opts: { rijksKey?: string } = {}): Promise<FixtureServer> {
  const rijksKey = opts.rijksKey ?? "test-secret-key-123";
  const metCsv = readFileSync(path.join(fixturesDir(), "met", "MetObjects.csv"));
  const metObjects = loadJson("met/objects.json") as Record<string, unknown>;
  const rijksCollection = loadJson("rijksmuseum/collection.json") as { artObjects: unknown[]; count: number };
  const rijksDetails = loadJson("rijksmuseum/details.json") as Record<string, unknown>;
  const wikiArtists = loadJson("wikiart/artists.json") as unknown[];
  const wikiByArtist = loadJson("wikiart/paintings_by_artist.json") as Record<string, unknown[]>;
  const wikiDetails = loadJson("wikiart/image_json.json") as Record<string, unknown>;

  const staticCsv = Buffer.from("n,text\n" + Array.from({ length: 600 }, (_, i) => `${i},"row ${i}, with a comma and é"`).join("\n") + "\n");
  /** Bodies served byte-exact (and truncated by the "truncate" fault); `ranges`: honours Range requests. */
  const staticBody = async (p: string): Promise<{ body: Buffer; type: string; ranges: boolean } | null> => {
    if (p.startsWith("/images/") && !p.includes("!")) return { body: await fixtureJpeg(p), type: "image/jpeg", ranges: false };
    if (p === "/met/MetObjects.csv" || p === "/met/api/MetObjects.csv") return { body: metCsv, type: "text/csv", ranges: true };
    if (p === "/t/static.csv") return { body: staticCsv, type: "text/csv", ranges: true };
    if (p === "/t/norange.csv") return { body: staticCsv, type: "text/csv", ranges: false };
    return null;
  };
  const faults = new Map<string, Fault[]>();
  const sockets = new Set<Socket>();
  let base = "";

  const withBase = (v: unknown): string => JSON.stringify(v).split("{{BASE}}").join(base);
  const sendJson = (res: http.ServerResponse, status: number, v: unknown) => {
    const body = Buffer.from(withBase(v));
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": body.length });
    res.end(body);
  };
  const notFound = (res: http.ServerResponse, what: string) => sendJson(res, 404, { message: `Not Found: ${what}` });

  const server: FixtureServer = {
    url: "",
    hits: new Map(),
    log: [],
    holdImages: false,
    ranges: [],
    fault(pathname, fault, times = 1) {
      const list = faults.get(pathname) ?? [];
      for (let i = 0; i < times; i++) list.push(fault);
      faults.set(pathname, list);
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    },
  };

  async function route(req: http.IncomingMessage, res: http.ServerResponse, u: URL): Promise<void> {
    const p = decodeURIComponent(u.pathname);
    let m: RegExpMatchArray | null;
    // ---- generic routes for client tests
    if (p === "/t/json") return sendJson(res, 200, { ok: true, n: server.hits.get(p) });
    if (p === "/t/bytes") {
      const n = Number(u.searchParams.get("n") ?? 100);
      const body = Buffer.alloc(n, 7);
      if (u.searchParams.get("chunked")) {
        res.writeHead(200, { "content-type": "application/octet-stream" });
        for (let o = 0; o < n; o += 1000) res.write(body.subarray(o, Math.min(n, o + 1000)));
        res.end();
      } else {
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": n });
        res.end(body);
      }
      return;
    }
    if (p === "/t/gzip") {
      const body = gzipSync(Buffer.from(JSON.stringify({ ok: true, pad: "z".repeat(5000) })));
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "content-length": body.length });
      res.end(body);
      return;
    }
    if (p === "/t/text") {
      const n = Number(u.searchParams.get("n") ?? 10);
      res.writeHead(200, { "content-type": "text/csv" });
      res.write("a,b\n");
      for (let i = 0; i < n; i++) res.write(`${i},"x,${i}"\n`);
      res.end();
      return;
    }
    // ---- static bodies (the MET table, test CSVs), with Range support where the real host has it
    if (p === "/met/MetObjects.csv" || p === "/met/api/MetObjects.csv" || p === "/t/static.csv" || p === "/t/norange.csv") {
      const st = (await staticBody(p))!;
      const etag = etagOf(st.body);
      const range = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ""));
      if (range) server.ranges.push(`${p} ${req.headers.range} if-range=${req.headers["if-range"] ?? ""}`);
      if (st.ranges && range && (!req.headers["if-range"] || req.headers["if-range"] === etag)) {
        const from = Number(range[1]);
        const part = st.body.subarray(from);
        res.writeHead(206, { "content-type": st.type, etag, "content-length": part.length, "content-range": `bytes ${from}-${st.body.length - 1}/${st.body.length}` });
        res.end(part);
        return;
      }
      res.writeHead(200, { "content-type": st.type, etag, "content-length": st.body.length });
      res.end(st.body);
      return;
    }
    if ((m = p.match(/^\/met\/api\/objects\/(\d+)$/))) {
      const o = metObjects[m[1]!];
      return o ? sendJson(res, 200, o) : sendJson(res, 404, { message: "ObjectID not found" });
    }
    // ---- Rijksmuseum
    if ((m = p.match(/^\/rijks\/api\/(en|nl)\/collection(?:\/(.+))?$/))) {
      if (u.searchParams.get("key") !== rijksKey) return sendJson(res, 401, { message: "Invalid or missing API key" });
      if (m[2]) {
        const d = rijksDetails[m[2]];
        return d ? sendJson(res, 200, d) : sendJson(res, 200, { artObject: null, artObjectPage: null });
      }
      const ps = Number(u.searchParams.get("ps") ?? 10);
      const pg = Number(u.searchParams.get("p") ?? 1);
      if (u.searchParams.get("type") !== "painting" || u.searchParams.get("imgonly")?.toLowerCase() !== "true") {
        return sendJson(res, 400, { message: "fixture expects type=painting&imgonly=True" });
      }
      const items = rijksCollection.artObjects.slice((pg - 1) * ps, pg * ps);
      return sendJson(res, 200, { ...rijksCollection, artObjects: items });
    }
    // ---- WikiArt
    if ((m = p.match(/^\/wikiart\/(\w+)\/App\/(.+)$/))) {
      const rest = m[2]!;
      if (rest === "Artist/AlphabetJson") {
        return u.searchParams.get("inPublicDomain") === "true" ? sendJson(res, 200, wikiArtists) : sendJson(res, 200, []);
      }
      if (rest === "Painting/PaintingsByArtist") {
        if (u.searchParams.get("json") !== "2") return sendJson(res, 400, { message: "json=2 expected" });
        const a = u.searchParams.get("artistUrl") ?? "";
        return sendJson(res, 200, wikiByArtist[a] ?? []);
      }
      if ((m = rest.match(/^Painting\/ImageJson\/(\d+)$/))) {
        const d = wikiDetails[m[1]!];
        return d ? sendJson(res, 200, d) : sendJson(res, 200, null);
      }
      return notFound(res, p);
    }
    // ---- images
    if (p.startsWith("/images/")) {
      if (p.includes("!")) return notFound(res, `${p} (size-marked variant not served)`);
      if (server.holdImages) return; // never answer: the test kills the client meanwhile
      const body = await fixtureJpeg(p);
      res.writeHead(200, { "content-type": "image/jpeg", "content-length": body.length });
      res.end(body);
      return;
    }
    void req;
    return notFound(res, p);
  }

  async function serveFault(f: Fault, res: http.ServerResponse, socket: Socket, pathname: string): Promise<void> {
    switch (f.kind) {
      case "status": {
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (f.retryAfter !== undefined) headers["retry-after"] = f.retryAfter;
        res.writeHead(f.status, headers);
        res.end(JSON.stringify({ message: `injected ${f.status}` }));
        return;
      }
      case "hang":
        return; // headers never sent; the client's timeout must fire
      case "html": {
        const body = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>cloud proxy error</p></body></html>";
        res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-length": Buffer.byteLength(body) });
        res.end(body);
        return;
      }
      case "truncate": {
        const st = await staticBody(pathname);
        const [full, type] = st ? [st.body, st.type] : [Buffer.from(JSON.stringify({ truncated: true, pad: "x".repeat(200) })), "application/json"];
        res.writeHead(200, { "content-type": type, "content-length": full.length, ...(st?.ranges ? { etag: etagOf(full) } : {}) });
        res.write(full.subarray(0, Math.floor(full.length / 2)));
        setTimeout(() => socket.destroy(), 20);
        return;
      }
      case "stall": {
        // headers and half the body, then silence with the connection left open
        const st = await staticBody(pathname);
        const full = st?.body ?? Buffer.from(JSON.stringify({ stalled: true, pad: "x".repeat(200) }));
        res.writeHead(200, { "content-type": st?.type ?? "application/json", "content-length": full.length });
        res.write(full.subarray(0, Math.floor(full.length / 2)));
        return;
      }
      case "corrupt": {
        const junk = Buffer.alloc(400, 0x5a);
        junk[0] = 0xff;
        junk[1] = 0xd8; // JPEG start marker, then nonsense
        res.writeHead(200, { "content-type": "image/jpeg", "content-length": junk.length });
        res.end(junk);
        return;
      }
    }
  }

  const srv = http.createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://127.0.0.1");
    const pathname = decodeURIComponent(u.pathname);
    server.hits.set(pathname, (server.hits.get(pathname) ?? 0) + 1);
    server.log.push(pathname + u.search);
    server.onRequest?.(pathname);
    const list = faults.get(pathname);
    const f = list?.shift();
    const done = f ? serveFault(f, res, req.socket, pathname) : route(req, res, u);
    done.catch((err) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`fixture server error: ${(err as Error).message}`);
    });
  });
  srv.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  server.url = base;
  return server;
}
