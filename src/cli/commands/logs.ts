import type { Command } from "commander";
import { UserError } from "../exit.js";

// Placeholder registration; the owning issue replaces this file.
export function registerLogs(program: Command): void {
  program
    .command("logs")
    .description("(not built yet)")
    .allowUnknownOption()
    .action(() => {
      throw new UserError("'logs' is not available in this build yet");
    });
}
