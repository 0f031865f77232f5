import type { Command } from "commander";
import { UserError } from "../exit.js";

// Placeholder registration; the owning issue replaces this file.
export function registerLint(program: Command): void {
  program
    .command("lint")
    .description("(not built yet)")
    .allowUnknownOption()
    .action(() => {
      throw new UserError("'lint' is not available in this build yet");
    });
}
