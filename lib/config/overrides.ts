/**
 * Config overrides, one merge for everyone: a notebook's `overrides` object and the command line's
 * `--set a.b=value` both become a partial config that is deep-merged over the config file (objects
 * merge key by key, everything else, arrays included, replaces) before it is validated.
 */

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

/** Deep-merge `over` onto `base` (objects merge, everything else replaces). Returns a new object. */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
}

/**
 * `--set` arguments as one overrides object: `cluster.k=8` -> `{ cluster: { k: 8 } }`. The value is
 * read as JSON when it parses (`8`, `true`, `[2,4]`, `{"type":"center"}`), else taken as a string
 * (`data.dir=data/met`). Later arguments win.
 */
export function parseSetArgs(args: readonly string[]): Record<string, unknown> {
  let out: Record<string, unknown> = {};
  for (const arg of args) {
    const eq = arg.indexOf("=");
    if (eq <= 0) throw new Error(`--set "${arg}" must look like a.b=value (e.g. --set cluster.k=8)`);
    const keys = arg.slice(0, eq).trim().split(".");
    const bad = keys.find((k) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(k));
    if (bad !== undefined) throw new Error(`--set "${arg}": "${bad}" is not a config field name (fields look like cluster.k or gan.arch.nz)`);
    const raw = arg.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // a plain string
    }
    const nested = keys.reduceRight<unknown>((v, k) => ({ [k]: v }), value) as Record<string, unknown>;
    out = deepMerge(out, nested);
  }
  return out;
}
