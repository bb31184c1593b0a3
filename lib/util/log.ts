/** Logging to stderr, so stdout stays clean for `--json` output. */
let quiet = process.env.HERITAGE_QUIET === "1";

export function setQuiet(q: boolean): void {
  quiet = q;
}

export function info(message: string): void {
  if (!quiet) process.stderr.write(message + "\n");
}

export function warn(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}
