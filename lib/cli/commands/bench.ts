import type { Command } from "commander";

/** `heritage bench`: not built yet. */
export function register(program: Command): void {
  program
    .command("bench")
    .description("(not implemented yet)")
    .action(() => {
      throw new Error("heritage bench is not implemented yet");
    });
}
