import type { Command } from "commander";

/** `heritage data`: not built yet. */
export function register(program: Command): void {
  program
    .command("data")
    .description("(not implemented yet)")
    .action(() => {
      throw new Error("heritage data is not implemented yet");
    });
}
