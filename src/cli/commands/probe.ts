import type { Command } from "commander";
import { UserError } from "../exit.js";

// Placeholder registration; the owning issue replaces this file.
export function registerProbe(program: Command): void {
  program
    .command("probe")
    .description("(not built yet)")
    .allowUnknownOption()
    .action(() => {
      throw new UserError("'probe' is not available in this build yet");
    });
}
