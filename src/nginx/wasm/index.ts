// AssemblyScript entry of the scanner cores (built to dist/core.wasm by scripts/build.mjs).

export { accessMaxVars, accessRecordDoubles, scanAccessLog } from "./accesslog";
export { errorRecordInts, scanErrorLog } from "./errorlog";
export { configBase, inputCapacity, internFull, internReset, nextLine, recordBase } from "./shared";
