import type { Command } from "commander";
import { UserError } from "../exit.js";

// Placeholder registration; the owning issue replaces this file.
export function registerExplain(program: Command): void {
  program
    .command("explain")
    .description("(not built yet)")
    .allowUnknownOption()
    .action(() => {
      throw new UserError("'explain' is not available in this build yet");
    });
}
