/**
 * Loads the scanner cores (WebAssembly built from src/nginx/wasm/ into dist/core.wasm). One instance per
 * accumulator (its own memory and intern table); `null` when the file is missing or cannot be instantiated,
 * and the summarisers then read every line in JavaScript.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface WasmCore {
  /** Largest block (bytes) that fits the module's input area. */
  readonly capacity: number;
  /** The module's memory: blocks are copied to offset 0. */
  readonly bytes: Uint8Array;
  readonly ints: Int32Array;
  readonly doubles: Float64Array;
  /** Byte offsets of the records and of the access-log format program. */
  readonly recordBase: number;
  readonly configBase: number;
  readonly errorRecordInts: number;
  readonly accessRecordDoubles: number;
  readonly accessMaxVars: number;
  /** Scans the lines of the block [0, len) from byte `from`; returns the number of records written. */
  scanErrorLog(len: number, from: number): number;
  scanAccessLog(len: number, from: number): number;
  /** Where the last scan stopped (the block length when it reached the end). */
  nextLine(): number;
}

/** The part of the WebAssembly API used here (the TypeScript lib in use has no WebAssembly types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (mod: object, imports: object) => { exports: unknown };
}
const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

interface Exports {
  memory: { buffer: ArrayBuffer };
  scanErrorLog(len: number, from: number): number;
  scanAccessLog(len: number, from: number): number;
  nextLine(): number;
  inputCapacity(): number;
  recordBase(): number;
  configBase(): number;
  errorRecordInts(): number;
  accessRecordDoubles(): number;
  accessMaxVars(): number;
}

let module: object | null | undefined;

function findModule(): object | null {
  if (module !== undefined) return module;
  module = null;
  if (!WA || process.env["BADGATEWAY_NO_WASM"] === "1") return module;
  // Next to the bundle (dist/), or, when running from sources (tests), in dist/ of the checkout.
  for (const rel of ["./core.wasm", "../../dist/core.wasm"]) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (!existsSync(path)) continue;
    try {
      module = new WA.Module(readFileSync(path));
    } catch {
      module = null;
    }
    break;
  }
  return module;
}

/** A new scanner instance (its own memory and intern table), or null when WebAssembly is unavailable. */
export function loadWasmCore(): WasmCore | null {
  const mod = findModule();
  if (!mod || !WA) return null;
  try {
    const inst = new WA.Instance(mod, {
      env: {
        abort() {
          throw new Error("scanner core: internal check failed");
        },
      },
    });
    const x = inst.exports as unknown as Exports;
    // The memory has a fixed size (no growth), so these views stay valid.
    const buffer = x.memory.buffer;
    return {
      capacity: x.inputCapacity(),
      bytes: new Uint8Array(buffer),
      ints: new Int32Array(buffer),
      doubles: new Float64Array(buffer),
      recordBase: x.recordBase(),
      configBase: x.configBase(),
      errorRecordInts: x.errorRecordInts(),
      accessRecordDoubles: x.accessRecordDoubles(),
      accessMaxVars: x.accessMaxVars(),
      scanErrorLog: x.scanErrorLog,
      scanAccessLog: x.scanAccessLog,
      nextLine: x.nextLine,
    };
  } catch {
    return null;
  }
}
