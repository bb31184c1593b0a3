import type { Command } from "commander";

/** `heritage run`: not built yet. */
export function register(program: Command): void {
  program
    .command("run")
    .description("(not implemented yet)")
    .action(() => {
      throw new Error("heritage run is not implemented yet");
    });
}
