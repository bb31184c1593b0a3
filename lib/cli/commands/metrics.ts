import type { Command } from "commander";

/** `heritage metrics`: not built yet. */
export function register(program: Command): void {
  program
    .command("metrics")
    .description("(not implemented yet)")
    .action(() => {
      throw new Error("heritage metrics is not implemented yet");
    });
}
