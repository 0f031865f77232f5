// Preloaded with `node --require` by tests of the CLI's heap settings: writes the largest size (bytes) V8 gave
// the young generation's space during the run, sampled at exit (it does not shrink back within a short run).
const { writeFileSync } = require("node:fs");
const v8 = require("node:v8");
process.on("exit", () => {
  if (!process.env.BG_YOUNG_FILE) return;
  const s = v8.getHeapSpaceStatistics().find((x) => x.space_name === "new_space");
  writeFileSync(process.env.BG_YOUNG_FILE, String(s?.space_size ?? -1));
});
