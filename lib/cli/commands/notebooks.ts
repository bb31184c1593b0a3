import type { Command } from "commander";

/** `heritage notebooks`: not built yet. */
export function register(program: Command): void {
  program
    .command("notebooks")
    .description("(not implemented yet)")
    .action(() => {
      throw new Error("heritage notebooks is not implemented yet");
    });
}
