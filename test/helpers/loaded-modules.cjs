// Preloaded with `node --require` by the start-up tests: writes the Node modules the process loaded (one per line,
// `process.moduleLoadList`) on exit, to the file named by BG_LOADED_FILE.
const { writeFileSync } = require("node:fs");
process.on("exit", () => {
  if (process.env.BG_LOADED_FILE)
    writeFileSync(process.env.BG_LOADED_FILE, process.moduleLoadList.join("\n"));
});
