import type { Command } from "commander";

/** `heritage cluster`: not built yet. */
export function register(program: Command): void {
  program
    .command("cluster")
    .description("(not implemented yet)")
    .action(() => {
      throw new Error("heritage cluster is not implemented yet");
    });
}
