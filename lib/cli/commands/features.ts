import type { Command } from "commander";

/** `heritage features`: not built yet. */
export function register(program: Command): void {
  program
    .command("features")
    .description("(not implemented yet)")
    .action(() => {
      throw new Error("heritage features is not implemented yet");
    });
}
