import type { Command } from "commander";

/** `heritage train`: not built yet. */
export function register(program: Command): void {
  program
    .command("train")
    .description("(not implemented yet)")
    .action(() => {
      throw new Error("heritage train is not implemented yet");
    });
}
