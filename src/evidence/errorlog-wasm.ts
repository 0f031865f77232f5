/**
 * Loads the error-log scanner's WebAssembly core (built from src/nginx/errorlog/wasm/scan.ts into
 * dist/errorlog-scan.wasm). One instance per thread; `null` when the file is missing or cannot be
 * instantiated, and the summariser then uses the JavaScript scanner.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface WasmErrorScanner {
  /** Largest block (bytes) that fits the module's input area. */
  readonly capacity: number;
  /** The module's memory: blocks are copied to offset 0. */
  readonly bytes: Uint8Array;
  /** The same memory as 32-bit integers: records start at `recordBase`, `recordInts` each. */
  readonly ints: Int32Array;
  readonly recordBase: number;
  readonly recordInts: number;
  /** Scans the lines of the block [0, len) from byte `from`; returns the number of records written. */
  scan(len: number, from: number): number;
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
  scan(len: number, from: number): number;
  nextLine(): number;
  inputCapacity(): number;
  recordBase(): number;
  recordInts(): number;
}

let module: object | null | undefined;

function findModule(): object | null {
  if (module !== undefined) return module;
  module = null;
  if (!WA || process.env["BADGATEWAY_NO_WASM"] === "1") return module;
  // Next to the bundle (dist/), or, when running from sources (tests), in dist/ of the checkout.
  for (const rel of ["./errorlog-scan.wasm", "../../dist/errorlog-scan.wasm"]) {
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
export function loadWasmErrorScanner(): WasmErrorScanner | null {
  const mod = findModule();
  if (!mod || !WA) return null;
  try {
    const inst = new WA.Instance(mod, {
      env: {
        abort() {
          throw new Error("error-log scanner: internal check failed");
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
      recordBase: x.recordBase() >> 2,
      recordInts: x.recordInts(),
      scan: x.scan,
      nextLine: x.nextLine,
    };
  } catch {
    return null;
  }
}
