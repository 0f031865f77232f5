import type { Command } from "commander";
import { UserError } from "../exit.js";

// Placeholder registration; the owning issue replaces this file.
export function registerConfig(program: Command): void {
  program
    .command("config")
    .description("(not built yet)")
    .allowUnknownOption()
    .action(() => {
      throw new UserError("'config' is not available in this build yet");
    });
}
