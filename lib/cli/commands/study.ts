import type { Command } from "commander";

/** `heritage study`: not built yet. */
export function register(program: Command): void {
  program
    .command("study")
    .description("(not implemented yet)")
    .action(() => {
      throw new Error("heritage study is not implemented yet");
    });
}
