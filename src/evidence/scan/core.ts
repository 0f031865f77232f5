/**
 * Loads the scanner cores (WebAssembly built from src/nginx/wasm/ into dist/core.wasm). One instance per
 * accumulator (its own memory and intern table); `null` when the file is missing, cannot be instantiated, or
 * was built from another layout than src/nginx/wasm/layout.ts (a stale build): the summarisers then read every
 * line in JavaScript.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  ACC_RECORD_DOUBLES,
  ACCESS_MAX_VARS,
  CONFIG_BASE,
  ERR_RECORD_INTS,
  INPUT_CAPACITY,
  RECORD_BASE,
} from "../../nginx/wasm/layout.js";

export interface WasmCore {
  /** Largest block (bytes) that fits the module's input area. */
  readonly capacity: number;
  /** The module's memory: blocks are copied to offset 0. */
  readonly bytes: Uint8Array;
  readonly ints: Int32Array;
  readonly doubles: Float64Array;
  /** Scans the lines of the block [0, len) from byte `from`; returns the number of records written. */
  scanErrorLog(len: number, from: number): number;
  scanAccessLog(len: number, from: number): number;
  /** Where the last scan stopped (the block length when it reached the end). */
  nextLine(): number;
  /**
   * Whether the last scan stopped because the intern table is full; the caller then handles the records it
   * has, forgets what it cached by id and calls resetTable (ids start again from 0).
   */
  tableFull(): boolean;
  resetTable(): void;
  /** Index in `ints` of error-log record r, in `doubles` of access-log record r. */
  errorRecord(r: number): number;
  accessRecord(r: number): number;
}

/** What the built module says about its own layout (checked against layout.ts when it is loaded). */
export interface CoreLayout {
  inputCapacity: number;
  recordBase: number;
  configBase: number;
  errorRecordInts: number;
  accessRecordDoubles: number;
  accessMaxVars: number;
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
  internFull(): number;
  internReset(): void;
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
  for (const rel of ["./core.wasm", "../../../dist/core.wasm"]) {
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

function instantiate(): Exports | null {
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
    return inst.exports as unknown as Exports;
  } catch {
    return null;
  }
}

/** The layout a fresh instance of the built module reports (null without one). */
export function coreLayout(): CoreLayout | null {
  const x = instantiate();
  return x && layoutOf(x);
}

function layoutOf(x: Exports): CoreLayout {
  return {
    inputCapacity: x.inputCapacity(),
    recordBase: x.recordBase(),
    configBase: x.configBase(),
    errorRecordInts: x.errorRecordInts(),
    accessRecordDoubles: x.accessRecordDoubles(),
    accessMaxVars: x.accessMaxVars(),
  };
}

/** The layout the TypeScript side reads records with. */
export const EXPECTED_LAYOUT: CoreLayout = {
  inputCapacity: INPUT_CAPACITY,
  recordBase: RECORD_BASE,
  configBase: CONFIG_BASE,
  errorRecordInts: ERR_RECORD_INTS,
  accessRecordDoubles: ACC_RECORD_DOUBLES,
  accessMaxVars: ACCESS_MAX_VARS,
};

function sameLayout(a: CoreLayout, b: CoreLayout): boolean {
  return (Object.keys(b) as Array<keyof CoreLayout>).every((k) => a[k] === b[k]);
}

/** A new scanner instance (its own memory and intern table), or null when WebAssembly is unavailable. */
export function loadWasmCore(): WasmCore | null {
  const x = instantiate();
  if (!x || !sameLayout(layoutOf(x), EXPECTED_LAYOUT)) return null;
  // The memory has a fixed size (no growth), so these views stay valid.
  const buffer = x.memory.buffer;
  const errBase = RECORD_BASE >> 2;
  const accBase = RECORD_BASE >> 3;
  return {
    capacity: INPUT_CAPACITY,
    bytes: new Uint8Array(buffer),
    ints: new Int32Array(buffer),
    doubles: new Float64Array(buffer),
    scanErrorLog: x.scanErrorLog,
    scanAccessLog: x.scanAccessLog,
    nextLine: x.nextLine,
    tableFull: () => x.internFull() === 1,
    resetTable: x.internReset,
    errorRecord: (r) => errBase + r * ERR_RECORD_INTS,
    accessRecord: (r) => accBase + r * ACC_RECORD_DOUBLES,
  };
}
