#!/usr/bin/env node
// Entry point of the `heritage` CLI: runs the compiled TypeScript in dist/ (built by `npm install`).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
const main = fileURLToPath(new URL("../dist/lib/cli/main.js", import.meta.url));
if (!existsSync(main)) {
  process.stderr.write(`heritage: ${main} is missing; run \`npm run build\` first\n`);
  process.exit(1);
}
await import(main);
