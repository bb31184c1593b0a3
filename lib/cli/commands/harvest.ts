import type { Command } from "commander";

/** `heritage harvest`: not built yet. */
export function register(program: Command): void {
  program
    .command("harvest")
    .description("(not implemented yet)")
    .action(() => {
      throw new Error("heritage harvest is not implemented yet");
    });
}
