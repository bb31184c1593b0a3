import type { Command } from "commander";

/** `heritage complete`: not built yet. */
export function register(program: Command): void {
  program
    .command("complete")
    .description("(not implemented yet)")
    .action(() => {
      throw new Error("heritage complete is not implemented yet");
    });
}
