// AssemblyScript entry of the scanner cores (built to dist/core.wasm by scripts/build.mjs).
export { configBase, inputCapacity, nextLine, recordBase } from "./shared";
export { errorRecordInts, scanErrorLog } from "./errorlog";
export { accessMaxVars, accessRecordDoubles, scanAccessLog } from "./accesslog";
