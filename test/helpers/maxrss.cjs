// Preloaded with `node --require` by tests that bound memory: writes the process's peak RSS (KiB) on exit.
const { writeFileSync } = require("node:fs");
process.on("exit", () => {
  if (process.env.BG_MAXRSS_FILE)
    writeFileSync(process.env.BG_MAXRSS_FILE, String(process.resourceUsage().maxRSS));
});
